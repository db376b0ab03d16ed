import type { LoadedPlugin } from "@wct/executor";
import type { ArtifactStore } from "@wct/store-core";
import { UsageError } from "./errors.js";

/** Where the CLI writes; tests pass buffers, the binary passes the process streams. */
export interface CliIo {
  /** `write` returning `false` with `once("drain")` present: wait before writing more. */
  stdout: { write(chunk: string): unknown; once?(event: "drain", listener: () => void): unknown };
  stderr: { write(chunk: string): unknown };
  /** Whether stderr is a terminal (live progress line) or not (plain lines). */
  isTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** What the binary wires in: stores and built-in plugins. */
export interface CliContext {
  io: CliIo;
  version: string;
  /**
   * Plugins registered before any `plugins:`/`--plugin` module, e.g. the built-ins.
   * Called only by commands that plan or list components, so the others never load them.
   */
  loadBuiltinPlugins(): Promise<LoadedPlugin[]>;
  /** Opens the store named by `--store` / `WCT_STORE` (a folder path or a URL). */
  openStore(spec: string, cwd: string): Promise<ArtifactStore> | ArtifactStore;
  /**
   * Subscribes to SIGINT/SIGTERM; returns an unsubscribe function. The binary uses
   * `process.on`; tests may trigger it by hand.
   */
  onInterrupt(handler: (signal: string) => void): () => void;
}

/** Default store folder when neither `--store` nor `WCT_STORE` is given. */
export const DEFAULT_STORE = ".waivern";

/**
 * `--store` wins, then `WCT_STORE`, then `.waivern` in the working directory. An empty
 * `--store` is refused (it would make the working directory itself the store); an
 * empty `WCT_STORE` counts as unset, as shells write `WCT_STORE= wct ...`.
 */
export function storeSpec(flag: string | undefined, io: CliIo): string {
  if (flag !== undefined && flag.trim() === "") {
    throw new UsageError(
      "--store is empty; give the store's folder (e.g. --store .waivern) or leave --store out to use $WCT_STORE or .waivern",
    );
  }
  const env = io.env["WCT_STORE"];
  return flag ?? (env !== undefined && env.trim() !== "" ? env : DEFAULT_STORE);
}
