import { type CliContext, main } from "@wct/cli";
import { loadBuiltinPlugins, openStore } from "../src/main.js";

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in this process, wired exactly as the binary wires it (fs store,
 * built-in plugins), with `cwd` as the working folder and output captured.
 */
export async function wctInProcess(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<InProcessResult> {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = {
    io: {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      isTTY: false,
      env: { ...options.env },
      cwd: options.cwd,
    },
    version: "0.0.0-test",
    loadBuiltinPlugins,
    openStore,
    onInterrupt: () => () => {},
  };
  const code = await main(args, ctx);
  return { code, stdout, stderr };
}
