export {
  type ComponentRegistry,
  createRegistry,
  type LoadedPlugin,
  type RegisteredConnector,
  type RegisteredProcessor,
} from "./registry.js";
