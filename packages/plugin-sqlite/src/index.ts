import { readFileSync } from "node:fs";
import { definePlugin } from "@wct/plugin-api";
import { sqliteConnector } from "./connector.js";

export { SourceError, SourceErrorCode } from "@wct/plugin-api";
export { DATABASE_CONTENT_SCHEMA, sqliteConnector } from "./connector.js";
export { type SqliteProperties, sqliteProperties } from "./properties.js";
export type {
  CellValue,
  ColumnInfo,
  DatabaseContent,
  RowRecord,
  SampleRow,
  TableContent,
} from "./types.js";

// Read from the manifest, so the version shown by `wct components` follows releases.
const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** The built-in `sqlite` plugin: one connector, `sqlite`. */
const sqlitePlugin = definePlugin({
  name: "sqlite",
  version: String(manifest.version),
  connectors: [sqliteConnector],
});

export default sqlitePlugin;
