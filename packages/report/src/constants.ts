// `@wct/report/constants`: the names a command line shows in its help, without loading
// the renderers, YAML and schemas. Also exported by `@wct/report`.
import type { ReportFormat } from "./types.js";

/** Every format `renderReport` writes. */
export const REPORT_FORMATS: readonly ReportFormat[] = ["sarif", "html", "md", "csv", "json"];

/** Default name of the suppressions file, looked up in the working directory. */
export const DEFAULT_SUPPRESSIONS_FILE = "wct-suppressions.yaml";
