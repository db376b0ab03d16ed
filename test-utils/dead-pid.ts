import { spawn } from "node:child_process";
import { once } from "node:events";

/**
 * The pid of a process that has just exited, which no live process has (short of the
 * system reusing it): what a killed owner or writer leaves in a lock or a temp file's
 * name. `true` rather than Node: a few milliseconds instead of a Node start.
 */
export async function deadPid(): Promise<number> {
  const child = spawn("true", [], { stdio: "ignore" });
  await once(child, "exit");
  return child.pid as number;
}
