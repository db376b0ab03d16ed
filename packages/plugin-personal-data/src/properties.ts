import { z } from "zod";
import { compileRules, type RuleSet } from "./engine.js";
import { builtinRules } from "./rules.js";
import type { RuleDefinition } from "./types.js";
import { normalizerNames, validatorNames } from "./validators.js";

const ruleId = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, "rule ids are letters, digits, _, . and -");
const category = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$/,
    "a fideslang data-category key, e.g. user.contact.email",
  );

function checkRegex(source: string, flags: string, ctx: z.RefinementCtx, path: PropertyKey[]) {
  try {
    const re = new RegExp(source, flags);
    if (re.test(""))
      ctx.addIssue({ code: "custom", path, message: "must not match an empty string" });
  } catch (error) {
    ctx.addIssue({
      code: "custom",
      path,
      message: `is not a valid regular expression (${error instanceof Error ? error.message : String(error)})`,
    });
  }
}

const patternRuleSchema = z
  .strictObject({
    id: ruleId,
    kind: z.literal("pattern"),
    type: z.string().regex(/^[a-z][a-z0-9_]*$/, "a snake_case type name"),
    category,
    description: z.string().optional(),
    pattern: z.string().min(1),
    flags: z
      .string()
      .regex(/^[imsu]*$/, "only the flags i, m, s and u")
      .optional(),
    validator: z.enum(validatorNames as [string, ...string[]]).optional(),
    normalize: z.enum(normalizerNames as [string, ...string[]]).optional(),
    mask: z
      .strictObject({
        keep_first: z.int().min(0).max(8).optional(),
        keep_last: z.int().min(0).max(8).optional(),
      })
      .optional(),
    confidence: z.number().min(0).max(1),
    context_words: z.array(z.string().min(1)).optional(),
    context_window: z.int().min(0).max(1000).optional(),
    context_required: z.boolean().optional(),
    context_boost: z.number().min(0).max(1).optional(),
    negative_context_words: z.array(z.string().min(1)).optional(),
    negative_context_penalty: z.number().min(0).max(1).optional(),
    anchor: z.string().min(1).optional(),
    anchor_before: z.int().min(0).max(10_000).optional(),
    anchor_after: z.int().min(0).max(10_000).optional(),
    test_values: z.array(z.string()).optional(),
    test_value_patterns: z.array(z.string().min(1)).optional(),
  })
  .superRefine((rule, ctx) => {
    checkRegex(rule.pattern, rule.flags ?? "", ctx, ["pattern"]);
    if (rule.anchor) checkRegex(rule.anchor, "", ctx, ["anchor"]);
    rule.test_value_patterns?.forEach((p, i) => {
      checkRegex(p, "i", ctx, ["test_value_patterns", i]);
    });
    if (rule.context_required && !rule.context_words?.length) {
      ctx.addIssue({
        code: "custom",
        path: ["context_words"],
        message: "context_required needs at least one context word",
      });
    }
  });

const fieldNameRuleSchema = z.strictObject({
  id: ruleId,
  kind: z.literal("field_name"),
  type: z.literal("field_name").optional(),
  category,
  description: z.string().optional(),
  names: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, "an identifier")).min(1),
  exclude_names: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, "an identifier")).optional(),
  confidence: z.number().min(0).max(1),
});

/** Schema of one rule definition (`kind` defaults to `pattern`). */
export const ruleDefinitionSchema = z.preprocess(
  (value) =>
    typeof value === "object" && value !== null && !Array.isArray(value) && !("kind" in value)
      ? { ...value, kind: "pattern" }
      : value,
  z.discriminatedUnion("kind", [patternRuleSchema, fieldNameRuleSchema]),
);

/** Does `selector` (a rule id or a finding type) select `rule`? */
export const selects = (selector: string, rule: RuleDefinition) =>
  selector === rule.id || selector === (rule.kind === "field_name" ? "field_name" : rule.type);

/** Properties of the `personal_data` processor. */
export const personalDataPropertiesSchema = z
  .strictObject({
    rules: z
      .strictObject({
        include: z.array(z.string()).optional(),
        exclude: z.array(z.string()).optional(),
        add: z.array(ruleDefinitionSchema).optional(),
      })
      .optional(),
    evidence_context: z.int().min(0).max(1000).default(16),
    max_evidence: z.int().min(0).default(1000),
    max_findings: z.int().min(0).default(100_000),
    fingerprint_key: z.string().min(16).optional(),
    min_confidence: z.number().min(0).max(1).default(0.5),
  })
  .superRefine((props, ctx) => {
    const added = (props.rules?.add ?? []) as RuleDefinition[];
    const ids = new Set(builtinRules.map((r) => r.id));
    added.forEach((rule, i) => {
      if (ids.has(rule.id)) {
        ctx.addIssue({
          code: "custom",
          path: ["rules", "add", i, "id"],
          message: `rule id "${rule.id}" is already taken`,
        });
      }
      ids.add(rule.id);
    });
    const all = [...builtinRules, ...added];
    for (const key of ["include", "exclude"] as const) {
      props.rules?.[key]?.forEach((selector, i) => {
        if (all.some((rule) => selects(selector, rule))) return;
        ctx.addIssue({
          code: "custom",
          path: ["rules", key, i],
          message: `unknown rule "${selector}"; known rules: ${[...ids].join(", ")}`,
        });
      });
    }
  });

/** Validated properties, defaults filled. */
export type PersonalDataProperties = z.output<typeof personalDataPropertiesSchema>;

/**
 * The compiled rule set a scan with `props` uses: the selected rules, over the built-in
 * ones and those `rules.add` defines. One place for the main thread and the scanning
 * threads, so they cannot scan with different rules.
 */
export function ruleSetOf(props: PersonalDataProperties): RuleSet {
  return compileRules(selectRules(props.rules), [
    ...builtinRules,
    ...((props.rules?.add ?? []) as RuleDefinition[]),
  ]);
}

/** The rules a runbook leaves enabled: built-ins narrowed by `include`, plus `add`, minus `exclude`. */
export function selectRules(
  rules: PersonalDataProperties["rules"],
  base: readonly RuleDefinition[] = builtinRules,
): RuleDefinition[] {
  const added = (rules?.add ?? []) as RuleDefinition[];
  const include = rules?.include;
  const exclude = rules?.exclude ?? [];
  // `include` narrows the built-in set; added rules are enabled unless excluded.
  const kept = include ? base.filter((rule) => include.some((s) => selects(s, rule))) : base;
  return [...kept, ...added].filter((rule) => !exclude.some((s) => selects(s, rule)));
}
