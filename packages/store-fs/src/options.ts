import { statSync } from "node:fs";
import { resolve } from "node:path";
import { StoreError, StoreErrorCode } from "@wct/store-core/backend";

/** Options of {@link createFsStore} and {@link createFsDriver}. */
export interface FsStoreOptions {
  /**
   * Folder that holds `runs/`. A relative path is resolved against the working
   * directory once, when the store is created. Default `.waivern`.
   */
  baseDir?: string;
  /**
   * Age in milliseconds after which a compare-and-replace guard file is taken to be
   * left by a dead process and broken; a guard whose mtime lies in the future (clock
   * skew) is broken once a waiter has seen it unchanged for as long. A live holder
   * keeps the guard for a read, a compare and a rename, far below this. Default 5000.
   */
  staleGuardMs?: number;
}

/** Default base folder, relative to the working directory. */
export const DEFAULT_BASE_DIR = ".waivern";
/** Default {@link FsStoreOptions.staleGuardMs}. */
export const DEFAULT_STALE_GUARD_MS = 5000;

const KNOWN_OPTIONS = ["baseDir", "staleGuardMs"];

/** Options after checking, with the base folder made absolute. */
export interface ResolvedFsOptions {
  baseDir: string;
  staleGuardMs: number;
}

function invalid(message: string, cause?: unknown): never {
  throw new StoreError(StoreErrorCode.InvalidOptions, message, { cause });
}

/**
 * Checks the options up front so a bad configuration fails when the store is created,
 * not on the first write of a run. Throws `ERR_STORE_OPTIONS`.
 */
export function resolveFsOptions(options: unknown): ResolvedFsOptions {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    invalid(`fs store options must be an object, got ${JSON.stringify(options)}`);
  }
  const given = options as Record<string, unknown>;
  const unknown = Object.keys(given).filter((name) => !KNOWN_OPTIONS.includes(name));
  if (unknown.length > 0) {
    invalid(
      `unknown fs store option ${unknown.map((name) => JSON.stringify(name)).join(", ")}; known options: ${KNOWN_OPTIONS.join(", ")}`,
    );
  }

  const baseDir = given["baseDir"] ?? DEFAULT_BASE_DIR;
  if (typeof baseDir !== "string" || baseDir.trim() === "" || baseDir.includes("\0")) {
    invalid(
      `fs store baseDir must be a non-empty folder path without NUL, got ${JSON.stringify(baseDir)}`,
    );
  }

  const staleGuardMs = given["staleGuardMs"] ?? DEFAULT_STALE_GUARD_MS;
  if (typeof staleGuardMs !== "number" || !Number.isFinite(staleGuardMs) || staleGuardMs <= 0) {
    invalid(
      `fs store staleGuardMs must be a positive number of milliseconds, got ${String(staleGuardMs)}`,
    );
  }

  const absolute = resolve(baseDir);
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(absolute, { throwIfNoEntry: false });
  } catch (cause) {
    invalid(
      `fs store baseDir ${absolute} cannot be inspected (${(cause as Error).message}); check its permissions`,
      cause,
    );
  }
  if (stats !== undefined && !stats.isDirectory()) {
    invalid(
      `fs store baseDir ${absolute} exists but is not a folder; pass a folder path or move that file away`,
    );
  }
  return { baseDir: absolute, staleGuardMs };
}
