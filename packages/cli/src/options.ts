import { Option } from "commander";

/**
 * `--plugin <module>`, repeatable, as every command that loads components takes it: the
 * modules come in the order given, after the built-in plugins.
 */
export function pluginOption(): Option {
  return new Option("--plugin <module>", "load a plugin module (repeatable)")
    .argParser((value: string, previous: string[]) => [...previous, value])
    .default([]);
}
