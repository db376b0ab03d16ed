import { readFileSync } from "node:fs";
import { definePlugin } from "@wct/plugin-api";
import { filesystemConnector } from "./connector.js";

export { SourceError, SourceErrorCode } from "@wct/plugin-api";
export { filesystemConnector } from "./connector.js";
export {
  DEFAULT_EXCLUDE,
  type FilesystemProperties,
  filesystemProperties,
  SUPPORTED_ENCODINGS,
} from "./properties.js";
export type { FileContent, FileCoverage, FileEntry, SkipReason } from "./types.js";
export { MAX_SKIPPED_FILES } from "./types.js";

// Read from the manifest, so the version shown by `wct components` follows releases.
const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** The built-in `filesystem` plugin: one connector, `filesystem`. */
const filesystemPlugin = definePlugin({
  name: "filesystem",
  version: String(manifest.version),
  connectors: [filesystemConnector],
});

export default filesystemPlugin;
