export { HOSTILE_KEYS, HOSTILE_RUN_IDS, type HostileInput } from "./hostile.js";
export {
  type ConformanceRunner,
  runStoreConformance,
  type StoreConformanceOptions,
} from "./suite.js";
