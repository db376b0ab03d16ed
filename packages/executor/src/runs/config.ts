import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { closestMatch, type Diagnostic, parseYamlValue } from "@wct/runbook-schema/yaml";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import {
  PRUNABLE_STATUSES,
  type PrunableStatus,
  parseDuration,
  type RetentionPolicy,
} from "./policy.js";

/** Name of the project config file read from the working directory. */
export const CONFIG_FILE = "wct.config.yaml";

const TOP_KEYS = ["retention"];
const RETENTION_KEYS = ["keep_last", "older_than", "status"];

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads the `retention:` section of `wct.config.yaml` in `cwd`: the policy, or
 * `undefined` when there is no file or no section. Every problem (YAML, unknown keys
 * with a did-you-mean, bad values) is one diagnostic with file:line:col, all thrown
 * at once as `ERR_CONFIG_INVALID`.
 */
export async function loadRetentionConfig(cwd: string): Promise<RetentionPolicy | undefined> {
  const path = join(cwd, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ExecutorError(
      ExecutorErrorCode.ConfigInvalid,
      `cannot read ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return parseRetentionConfig(text, path);
}

/** {@link loadRetentionConfig} on text already read; `file` is shown in diagnostics. */
export function parseRetentionConfig(text: string, file: string): RetentionPolicy | undefined {
  const yaml = parseYamlValue(text, file);
  const diagnostics: Diagnostic[] = [...yaml.diagnostics];
  const problem = (code: string, path: (string | number)[], message: string, hint?: string) =>
    diagnostics.push({
      code,
      message,
      file,
      // An unknown key is pointed at itself, a bad value at the value.
      ...yaml.locate(path, code !== "ERR_UNKNOWN_KEY"),
      path: path.join("."),
      ...(hint === undefined ? {} : { hint }),
    });
  const unknownKeys = (value: Record<string, unknown>, at: string[], known: string[]) => {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const close = closestMatch(key, known);
      problem(
        "ERR_UNKNOWN_KEY",
        [...at, key],
        `unknown key "${key}"${at.length ? ` in ${at.join(".")}` : ""}`,
        close ? `did you mean "${close}"?` : `known keys: ${known.join(", ")}`,
      );
    }
  };
  let policy: RetentionPolicy | undefined;
  const root = yaml.value;
  if (diagnostics.length === 0 && root !== null && root !== undefined) {
    if (!isMapping(root)) {
      problem("ERR_INVALID_VALUE", [], "the config file must be a mapping (e.g. `retention:`)");
    } else {
      unknownKeys(root, [], TOP_KEYS);
      const section = root["retention"];
      if (section !== undefined && section !== null && !isMapping(section)) {
        problem("ERR_INVALID_VALUE", ["retention"], "retention must be a mapping");
      } else if (isMapping(section)) {
        policy = {};
        unknownKeys(section, ["retention"], RETENTION_KEYS);
        const keep = section["keep_last"];
        if (keep !== undefined) {
          if (typeof keep === "number" && Number.isSafeInteger(keep) && keep >= 0) {
            policy.keepLast = keep;
          } else {
            problem(
              "ERR_INVALID_VALUE",
              ["retention", "keep_last"],
              `keep_last must be a whole number ≥ 0 (got ${JSON.stringify(keep)})`,
            );
          }
        }
        const older = section["older_than"];
        if (older !== undefined) {
          const ms = typeof older === "string" ? parseDuration(older) : undefined;
          if (ms === undefined) {
            problem(
              "ERR_INVALID_VALUE",
              ["retention", "older_than"],
              `older_than must be a duration like 30d, 12h, 90m (got ${JSON.stringify(older)})`,
            );
          } else {
            policy.olderThanMs = ms;
          }
        }
        const status = section["status"];
        if (status !== undefined) {
          const list = Array.isArray(status) ? status : [status];
          const statuses: PrunableStatus[] = [];
          list.forEach((s, i) => {
            const found = PRUNABLE_STATUSES.find((known) => known === s);
            if (found) {
              statuses.push(found);
              return;
            }
            const close = typeof s === "string" ? closestMatch(s, PRUNABLE_STATUSES) : undefined;
            problem(
              "ERR_INVALID_VALUE",
              Array.isArray(status) ? ["retention", "status", i] : ["retention", "status"],
              `${JSON.stringify(s)} is not a run status`,
              close ? `did you mean "${close}"?` : `use ${PRUNABLE_STATUSES.join(", ")}`,
            );
          });
          policy.statuses = statuses;
        }
      }
    }
  }
  if (diagnostics.length > 0) {
    diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ExecutorError(
      ExecutorErrorCode.ConfigInvalid,
      `${file} is invalid:\n${diagnostics.map((d) => `  ${d.message}`).join("\n")}`,
      { diagnostics },
    );
  }
  return policy;
}
