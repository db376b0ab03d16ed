import { readFileSync, writeSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type CliContext, main, UsageError } from "@wct/cli";
import type { LoadedPlugin } from "@wct/executor";
import type { ArtifactStore } from "@wct/store-core";

/**
 * Built-in plugins, registered exactly as a third-party plugin would be. Imported when a
 * command plans a runbook or lists components: the others (`wct runs`, `wct --version`)
 * never pay for loading them (the SQLite driver, the detection rules).
 */
export async function loadBuiltinPlugins(): Promise<LoadedPlugin[]> {
  const [filesystem, sqlite, personalData] = await Promise.all([
    import("@wct/plugin-filesystem"),
    import("@wct/plugin-sqlite"),
    import("@wct/plugin-personal-data"),
  ]);
  return [
    { plugin: filesystem.default, source: "built-in (@wct/plugin-filesystem)" },
    { plugin: sqlite.default, source: "built-in (@wct/plugin-sqlite)" },
    { plugin: personalData.default, source: "built-in (@wct/plugin-personal-data)" },
  ];
}

/** `--store` / `WCT_STORE`: a folder path or a `file:` URL. */
export async function openStore(spec: string, cwd: string): Promise<ArtifactStore> {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(spec)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "file") {
    throw new UsageError(
      `store ${JSON.stringify(spec)} uses the ${scheme}:// scheme, which this wct does not support; give a folder path (e.g. --store .waivern) or a file:// URL`,
    );
  }
  const { createFsStore } = await import("@wct/store-fs");
  if (scheme === "file") return createFsStore({ baseDir: fileURLToPath(spec) });
  return createFsStore({ baseDir: isAbsolute(spec) ? spec : resolve(cwd, spec) });
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  return String(pkg.version);
}

/**
 * Node exits (silently, with code 13) when nothing is left that could settle what the
 * program awaits: a plugin whose top-level await never settles, or a component that
 * returns a promise nothing will ever resolve and has no timeout. Said plainly instead,
 * with a stable code; a run in progress stays resumable (its owner is gone).
 */
function stalledMessage(running: boolean): string {
  return running
    ? "wct: the run cannot go on: a component returned a promise that never settles, and nothing is left that could settle it [ERR_STALLED]\n  The run is saved. Fix the component (or give the artifact a timeout), then resume the run with --resume <run id> (see `wct runs`).\n"
    : "wct: cannot go on: a plugin module never finishes loading (its top-level await never settles) [ERR_PLUGIN_LOAD]\n  Fix the plugin or remove it from plugins: / --plugin.\n";
}

/** How long a second SIGINT/SIGTERM lets the shutdown of a run go on before quitting. */
const SHUTDOWN_GRACE_MS = 5_000;

/** The binary's entry: wires the fs store and built-in plugins into the CLI. */
export async function runWct(argv: string[]): Promise<number> {
  let settled = false;
  let running = false;
  const onExit = (code: number) => {
    // Only an exit nobody asked for: process.exit() (a second Ctrl-C) passes its code.
    // Node 20 reports that exit as 0, Node 22+ as 13 (unsettled top-level await).
    if (settled || (code !== 0 && code !== 13)) return;
    writeSync(2, stalledMessage(running));
    process.exit(running ? 1 : 2);
  };
  process.on("exit", onExit);
  try {
    return await runCli(argv, {
      onRunStart: () => {
        running = true;
      },
      onRunEnd: () => {
        running = false;
      },
    });
  } finally {
    settled = true;
    process.off("exit", onExit);
  }
}

async function runCli(
  argv: string[],
  hooks: { onRunStart(): void; onRunEnd(): void },
): Promise<number> {
  const ctx: CliContext = {
    io: {
      stdout: process.stdout,
      stderr: process.stderr,
      isTTY: process.stderr.isTTY === true,
      env: process.env,
      cwd: process.cwd(),
    },
    version: version(),
    loadBuiltinPlugins,
    openStore,
    onInterrupt(handler) {
      // The first signal asks for a clean stop: the run is marked interrupted and its
      // lease released, which takes milliseconds. A second one does not cut that short
      // (the run would stay "running" with its lock): it gives the shutdown a bounded
      // grace period, then quits. A third quits at once; the run is then left for a
      // later resume to take over (a dead owner's lease is stale).
      let signals = 0;
      let running = true;
      let forced: NodeJS.Timeout | undefined;
      const forceQuit = () => process.exit(130);
      const on = (signal: string) => {
        signals += 1;
        if (signals === 1 && running) {
          handler(signal);
          return;
        }
        if (signals >= 3) forceQuit();
        if (forced === undefined) {
          process.stderr.write(
            `${signal}: still saving the run; quitting in ${SHUTDOWN_GRACE_MS / 1000} s at the latest (send it again to quit now)\n`,
          );
          forced = setTimeout(forceQuit, SHUTDOWN_GRACE_MS);
          forced.unref();
        }
      };
      const onSigint = () => on("SIGINT");
      const onSigterm = () => on("SIGTERM");
      process.on("SIGINT", onSigint);
      process.on("SIGTERM", onSigterm);
      // `wct run` subscribes for exactly as long as the run goes on.
      hooks.onRunStart();
      return () => {
        hooks.onRunEnd();
        // Still listening until the process ends: a signal while the summary is written
        // would otherwise kill wct by signal after the run was saved.
        running = false;
      };
    },
  };
  return main(argv, ctx);
}

/**
 * Exits with `code` once stdout and stderr have drained. `process.exit()` right away
 * would cut piped output short (pipes are asynchronous on POSIX); exiting at all is
 * still needed, since a component that ignored its abort signal may hold the loop.
 */
export function exitWhenFlushed(code: number): void {
  process.stdout.write("", () => {
    process.stderr.write("", () => process.exit(code));
  });
}
