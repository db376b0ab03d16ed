import { readFile } from "node:fs/promises";
import type { Finding } from "@wct/plugin-personal-data";
import { isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { z } from "zod";
import { DEFAULT_SUPPRESSIONS_FILE } from "./constants.js";
import type { AppliedSuppression, ExpiredSuppression } from "./types.js";

export { DEFAULT_SUPPRESSIONS_FILE };

/** One entry of a suppressions file, with where it is written. */
export interface Suppression {
  identity: string | null;
  path: string | null;
  type: string | null;
  reason: string;
  author: string;
  expires: string | null;
  /** `file:line:col` of the entry. */
  source: string;
  pathPattern: RegExp | null;
}

/** A problem in a suppressions file, with its position (1-based), shaped like a runbook `Diagnostic`. */
export interface SuppressionDiagnostic {
  /** `ERR_YAML_SYNTAX` or `ERR_SUPPRESSION_ENTRY`. */
  code: string;
  file: string;
  line: number;
  column: number;
  /** Dot path of the offending node (`suppressions.0.expires`), "" for the file. */
  path: string;
  message: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const entrySchema = z
  .object({
    identity: z
      .string()
      .regex(
        /^[0-9a-f]{32}#\d+$/,
        "must be a finding identity (as `wct report --format json` prints it, e.g. 3f…9a#0)",
      )
      .optional(),
    path: z.string().min(1).optional(),
    type: z.string().min(1).optional(),
    reason: z.string().trim().min(1, "a reason is required"),
    author: z.string().trim().min(1, "an author is required"),
    expires: z
      .string()
      .regex(DATE, "must be a date written YYYY-MM-DD")
      .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "is not a real date")
      .optional(),
  })
  .strict()
  .superRefine((entry, ctx) => {
    if (entry.identity === undefined && (entry.path === undefined || entry.type === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "an entry needs `identity`, or both `path` (a glob) and `type`",
      });
    }
    if (entry.identity !== undefined && (entry.path !== undefined || entry.type !== undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "an entry matches by `identity` or by `path` + `type`, not both",
      });
    }
  });

const fileSchema = z
  .object({ version: z.literal(1).optional(), suppressions: z.array(entrySchema) })
  .strict();

/** Suppressions file problems; `diagnostics` has one entry per problem with its position. */
export class SuppressionsError extends Error {
  readonly code: "ERR_SUPPRESSIONS_INVALID" | "ERR_SUPPRESSIONS_NOT_FOUND";
  readonly diagnostics: SuppressionDiagnostic[];
  constructor(
    code: SuppressionsError["code"],
    message: string,
    diagnostics: SuppressionDiagnostic[] = [],
  ) {
    super(message);
    this.name = "SuppressionsError";
    this.code = code;
    this.diagnostics = diagnostics;
  }
}

/** `**` crosses folders, `*` and `?` do not; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*" && glob[i + 1] === "*") {
      i++;
      if (glob[i + 1] === "/") {
        i++;
        source += "(?:.*/)?";
      } else source += ".*";
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

function normalisePath(path: string): string {
  return path.replace(/\\/g, "/").replace(/^\.\//, "");
}

/**
 * Parses a suppressions file; every problem is reported at once with `file:line:col`.
 * `file` is how the path is shown in messages.
 */
export function parseSuppressions(text: string, file: string): Suppression[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (
    offset: number | undefined,
    message: string,
    code = "ERR_SUPPRESSION_ENTRY",
    path = "",
  ): SuppressionDiagnostic => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { code, file, line: pos.line, column: pos.col, path, message };
  };
  const fail = (diagnostics: SuppressionDiagnostic[]): never => {
    throw new SuppressionsError(
      "ERR_SUPPRESSIONS_INVALID",
      `${file} is not a valid suppressions file:\n${diagnostics
        .map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`)
        .join("\n")}`,
      diagnostics,
    );
  };
  if (doc.errors.length > 0)
    fail(doc.errors.map((e) => at(e.pos[0], e.message.split("\n")[0] ?? "", "ERR_YAML_SYNTAX")));
  const data = doc.toJS() ?? { suppressions: [] };
  const result = fileSchema.safeParse(data);
  if (!result.success) {
    fail(
      result.error.issues.map((issue) => {
        // The deepest node that exists for the issue's path: a missing key points at its map.
        let node: Node | undefined;
        for (let n = issue.path.length; n >= 0 && node === undefined; n--) {
          const found =
            n === 0 ? doc.contents : doc.getIn(issue.path.slice(0, n) as (string | number)[], true);
          if (found && typeof found === "object" && "range" in (found as object))
            node = found as Node;
        }
        return at(node?.range?.[0], issue.message, "ERR_SUPPRESSION_ENTRY", issue.path.join("."));
      }),
    );
  }
  const seq = isMap(doc.contents) ? doc.contents.get("suppressions", true) : undefined;
  const entries = (result as { data: z.infer<typeof fileSchema> }).data.suppressions;
  return entries.map((entry, i) => {
    const node = isSeq(seq) ? (seq.items[i] as Node | undefined) : undefined;
    const pos = lineCounter.linePos(node?.range?.[0] ?? 0);
    return {
      identity: entry.identity ?? null,
      path: entry.path === undefined ? null : normalisePath(entry.path),
      type: entry.type ?? null,
      reason: entry.reason,
      author: entry.author,
      expires: entry.expires ?? null,
      source: `${file}:${pos.line}:${pos.col}`,
      pathPattern: entry.path === undefined ? null : globToRegExp(normalisePath(entry.path)),
    };
  });
}

/** Reads and parses a suppressions file; a missing file is `ERR_SUPPRESSIONS_NOT_FOUND`. */
export async function loadSuppressions(path: string, shownAs = path): Promise<Suppression[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") {
      throw new SuppressionsError(
        "ERR_SUPPRESSIONS_NOT_FOUND",
        `suppressions file ${shownAs} does not exist; check --suppressions`,
      );
    }
    throw error;
  }
  return parseSuppressions(text, shownAs);
}

/** Matches findings against entries; an entry past its `expires` date matches nothing. */
export class SuppressionMatcher {
  readonly expired: ExpiredSuppression[];
  private readonly active: Suppression[];

  /** `today` is `YYYY-MM-DD` (UTC); an entry is active through its `expires` day. */
  constructor(entries: Suppression[], today: string) {
    this.active = entries.filter((e) => e.expires === null || e.expires >= today);
    this.expired = entries
      .filter((e) => e.expires !== null && e.expires < today)
      .map((e) => ({ source: e.source, expires: e.expires as string, reason: e.reason }));
  }

  /** The first active entry matching the finding, or null. */
  match(finding: Finding, identity: string): AppliedSuppression | null {
    const path = normalisePath(finding.location.path);
    for (const e of this.active) {
      const hit =
        e.identity !== null
          ? e.identity === identity
          : e.type === finding.type && (e.pathPattern as RegExp).test(path);
      if (hit) return { reason: e.reason, author: e.author, expires: e.expires, source: e.source };
    }
    return null;
  }
}
