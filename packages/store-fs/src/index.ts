export { createFsDriver, createFsStore } from "./fs-driver.js";
export { DEFAULT_BASE_DIR, DEFAULT_STALE_GUARD_MS, type FsStoreOptions } from "./options.js";
