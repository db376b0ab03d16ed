export {
  type BrotliCodecOptions,
  brotliCodec,
  type Codec,
  type GzipCodecOptions,
  gzipCodec,
} from "./codec.js";
export {
  type ChunkSink,
  STREAM_ENCODINGS,
  type StoreDriver,
  type StoredStream,
} from "./driver.js";
export {
  defineErrorCodes,
  type ErrorClass,
  errorProblem,
  isStoreError,
  StoreError,
  StoreErrorClass,
  StoreErrorCode,
} from "./errors.js";
export {
  MAX_KEY_LENGTH,
  MAX_KEY_SEGMENTS,
  MAX_RUN_ID_LENGTH,
  MAX_SEGMENT_LENGTH,
  validateKey,
  validatePrefix,
  validateRunId,
} from "./keys.js";
export {
  type ExecutionRecord,
  executionRecordSchema,
  type Message,
  messageDigest,
  messageSchema,
  type SchemaRef,
  schemaRefSchema,
} from "./message.js";
export {
  type ArtifactStore,
  type CreateStoreOptions,
  createStore,
  RUN_TOMBSTONE_KEY,
  type VersionedJson,
} from "./store.js";
export {
  type ArtifactReader,
  type ArtifactWriter,
  STREAM_FORMAT,
  type StreamCommit,
  type StreamCommitOptions,
  type StreamLayout,
} from "./stream.js";
