// `@wct/store-core/backend`: what a backend needs to build a store, without the Message
// schemas (zod), so that opening a store and listing its runs loads no zod. Everything
// here is also exported by `@wct/store-core`.
export {
  type ChunkSink,
  STREAM_ENCODINGS,
  type StoreDriver,
  type StoredStream,
} from "./driver.js";
export { errorProblem, isStoreError, StoreError, StoreErrorCode } from "./errors.js";
export { validateKey, validatePrefix, validateRunId } from "./keys.js";
export {
  type ArtifactStore,
  type CreateStoreOptions,
  createStore,
  RUN_TOMBSTONE_KEY,
} from "./store.js";
