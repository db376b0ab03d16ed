// `@wct/runbook-schema/yaml`: the YAML reading with positions and the did-you-mean of
// the runbook parser, without its schemas, for other YAML files wct reads (such as
// `wct.config.yaml`) by a command that should start fast. Also exported by the main entry.
export { closestMatch } from "./did-you-mean.js";
export type { Diagnostic } from "./types.js";
export { parseYamlValue, type YamlValue } from "./yaml-value.js";
