import { type CliContext, main } from "@wct/cli";
import { loadBuiltinPlugins, openStore } from "../src/main.js";

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Opens the store instead of the binary's `openStore` (e.g. one writing gzip, as older wct did). */
  openStore?: CliContext["openStore"];
}

/**
 * Runs the CLI in this process, wired exactly as the binary wires it (fs store,
 * built-in plugins), with `cwd` as the working folder and output captured.
 *
 * The CLI reads only `ctx.io.env`; plugins are code of their own and read `process.env`
 * as they would in the binary (the test plugin's trace folder, the personal-data
 * fingerprint key). So `env` is also set on `process.env` for the call and put back
 * after it: nothing leaks into the next test. Calls must not overlap (vitest runs the
 * tests of a file one after another).
 */
export async function wctInProcess(
  args: string[],
  options: InProcessOptions,
): Promise<InProcessResult> {
  let stdout = "";
  let stderr = "";
  const env = { ...options.env };
  const ctx: CliContext = {
    io: {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      isTTY: false,
      env,
      cwd: options.cwd,
    },
    version: "0.0.0-test",
    loadBuiltinPlugins,
    openStore: options.openStore ?? openStore,
    onInterrupt: () => () => {},
  };
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(env)) {
    saved.set(name, process.env[name]);
    setEnv(name, value);
  }
  try {
    const code = await main(args, ctx);
    return { code, stdout, stderr };
  } finally {
    for (const [name, value] of saved) setEnv(name, value);
  }
}

function setEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
