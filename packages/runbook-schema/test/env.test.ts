import { describe, expect, it } from "vitest";
import { substituteEnv } from "../src/index.js";
import { diagnosticsOf, parseOk, summary, withArtifacts } from "./helpers.js";

const sourceWith = (properties: string) =>
  withArtifacts(`  a:\n    source:\n      type: t\n      properties:\n${properties}`);

function propertiesOf(properties: string, env: Record<string, string | undefined>) {
  return parseOk(sourceWith(properties), env).artifacts["a"]?.source?.properties;
}

describe("substituteEnv", () => {
  it("replaces ${VAR}", () => {
    expect(substituteEnv("a-${X}-b", { X: "1" })).toEqual({
      value: "a-1-b",
      whole: false,
      problems: [],
    });
  });

  it("uses the default when the variable is unset", () => {
    expect(substituteEnv("${X:-fallback}", {}).value).toBe("fallback");
  });

  it("uses the default when the variable is empty", () => {
    expect(substituteEnv("${X:-fallback}", { X: "" }).value).toBe("fallback");
  });

  it("keeps an empty variable without default", () => {
    expect(substituteEnv("[${X}]", { X: "" })).toMatchObject({ value: "[]", problems: [] });
  });

  it("treats $${ as a literal ${", () => {
    expect(substituteEnv("$${X} costs $5", { X: "no" })).toMatchObject({
      value: "${X} costs $5",
      problems: [],
    });
  });

  it("reports a missing variable with its name", () => {
    expect(substituteEnv("${NOPE}", {}).problems).toEqual([
      expect.objectContaining({ code: "ERR_MISSING_ENV", variable: "NOPE", index: 0 }),
    ]);
  });

  it("reports an unterminated placeholder", () => {
    expect(substituteEnv("x ${OPEN", {}).problems.map((p) => p.code)).toEqual(["ERR_ENV_SYNTAX"]);
  });

  it("reports an invalid variable name", () => {
    expect(substituteEnv("${1X}", {}).problems.map((p) => p.code)).toEqual(["ERR_ENV_SYNTAX"]);
  });

  it("marks a value that is exactly one placeholder", () => {
    expect(substituteEnv("${X:-1}", {}).whole).toBe(true);
    expect(substituteEnv("${X:-1}s", {}).whole).toBe(false);
    expect(substituteEnv("${X}${Y}", { X: "1", Y: "2" }).whole).toBe(false);
  });
});

describe("substitution in runbooks", () => {
  it("substitutes string values", () => {
    const runbook = parseOk(
      "name: scan ${ENV_NAME}\ndescription: d\nartifacts:\n  a:\n    source: {type: t}\n",
      { ENV_NAME: "prod" },
    );
    expect(runbook.name).toBe("scan prod");
  });

  it("substitutes inside properties at any depth", () => {
    expect(
      propertiesOf("        db:\n          urls: ['${HOST}:5432', x]\n", { HOST: "db.local" }),
    ).toEqual({ db: { urls: ["db.local:5432", "x"] } });
  });

  it("uses defaults in properties", () => {
    expect(propertiesOf("        root: ${ROOT:-./src}\n", {})).toEqual({ root: "./src" });
  });

  it("does not substitute keys", () => {
    expect(propertiesOf("        ${KEY}: 1\n", { KEY: "k" })).toEqual({ "${KEY}": 1 });
  });

  it("keeps an escaped placeholder literally", () => {
    expect(propertiesOf("        template: 'Hello $${USER}'\n", { USER: "me" })).toEqual({
      template: "Hello ${USER}",
    });
  });

  it("reports a missing variable with its name, line and path", () => {
    const diagnostics = diagnosticsOf(sourceWith("        token: Bearer ${API_TOKEN}\n"));
    expect(summary(diagnostics)).toEqual([
      "ERR_MISSING_ENV artifacts.a.source.properties.token 8:16",
    ]);
    expect(diagnostics[0]?.message).toContain("API_TOKEN");
  });

  it("reports every missing variable of the file", () => {
    const diagnostics = diagnosticsOf(
      "name: ${A}\ndescription: ${B}\nartifacts:\n  a:\n    source: {type: '${C}'}\n",
    );
    expect(summary(diagnostics)).toEqual([
      "ERR_MISSING_ENV name 1:7",
      "ERR_MISSING_ENV description 2:14",
      "ERR_MISSING_ENV artifacts.a.source.type 5:20",
    ]);
  });

  it("reports an unterminated placeholder in a runbook", () => {
    expect(summary(diagnosticsOf(sourceWith("        root: ${ROOT\n")))).toEqual([
      "ERR_ENV_SYNTAX artifacts.a.source.properties.root 8:15",
    ]);
  });
});

describe("placeholder typing", () => {
  const config = (line: string) =>
    `name: x\ndescription: d\nconfig:\n  ${line}\nartifacts:\n  a:\n    source: {type: t}\n`;

  it("turns a whole placeholder into a number for numeric fields", () => {
    expect(parseOk(config("max_concurrency: ${N:-4}")).config.max_concurrency).toBe(4);
    expect(parseOk(config("timeout: ${T}"), { T: "2.5" }).config.timeout).toBe(2.5);
  });

  it("does so for quoted placeholders in numeric fields too", () => {
    expect(parseOk(config("max_concurrency: '${N}'"), { N: "7" }).config.max_concurrency).toBe(7);
  });

  it("turns a whole placeholder into a boolean for boolean fields", () => {
    const runbook = parseOk(
      withArtifacts(
        "  a:\n    source: {type: t}\n    output: ${OUT}\n    optional: ${OPT:-false}\n",
      ),
      { OUT: "true" },
    );
    expect(runbook.artifacts["a"]).toMatchObject({ output: true, optional: false });
  });

  it("rejects a placeholder that does not give a number", () => {
    expect(summary(diagnosticsOf(config("max_concurrency: ${N}"), { N: "many" }))).toEqual([
      "ERR_INVALID_VALUE config.max_concurrency 4:20",
    ]);
  });

  it("does not coerce text around a placeholder", () => {
    expect(summary(diagnosticsOf(config("max_concurrency: ${N}0"), { N: "1" }))).toEqual([
      "ERR_INVALID_VALUE config.max_concurrency 4:20",
    ]);
  });

  it("keeps string fields strings", () => {
    const runbook = parseOk(
      "name: ${N}\ndescription: d\nartifacts:\n  a:\n    source: {type: t}\n",
      { N: "123" },
    );
    expect(runbook.name).toBe("123");
  });

  it("types an unquoted placeholder in properties like a literal value", () => {
    expect(
      propertiesOf("        max: ${MAX:-10}\n        ratio: ${R}\n        on: ${ON}\n", {
        R: "0.5",
        ON: "false",
      }),
    ).toEqual({ max: 10, ratio: 0.5, on: false });
  });

  it("keeps a quoted placeholder in properties a string", () => {
    expect(
      propertiesOf("        pin: '${PIN}'\n        code: \"${PIN}\"\n", { PIN: "0042" }),
    ).toEqual({
      pin: "0042",
      code: "0042",
    });
  });

  it("keeps a non-numeric placeholder in properties a string", () => {
    expect(propertiesOf("        root: ${ROOT}\n", { ROOT: "12abc" })).toEqual({ root: "12abc" });
  });
});
