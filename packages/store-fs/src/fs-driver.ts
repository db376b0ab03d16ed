import { randomBytes } from "node:crypto";
import { type Dirent, lstatSync } from "node:fs";
import { link, lstat, mkdir, readdir, realpath, rename, rm, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  type ArtifactStore,
  createStore,
  type StoreDriver,
  StoreError,
  StoreErrorCode,
  validateKey,
  validateRunId,
} from "@wct/store-core";

import {
  errorCode,
  FOLDER_MODE,
  removeQuietly,
  replaceFileAtomically,
  tempFileName,
  withGuard,
  writeSyncedFile,
} from "./durable-file.js";
import { type FsStoreOptions, resolveFsOptions } from "./options.js";
import { NotRegularFileError, readRegularFile } from "./regular-file.js";
import { sweepTemporaryFiles } from "./sweep.js";
import { syncFolder } from "./sync-folder.js";

const FILE_SUFFIX = ".json";

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === "ENOENT" || code === "ENOTDIR";
}

function isValid(check: (value: string) => void, value: string): boolean {
  try {
    check(value);
    return true;
  } catch {
    return false;
  }
}

/** Where a key's file lives: its folder's path segments below `runs/` and its name. */
interface KeyPlace {
  /** `[runId, ...folders of the key]`, relative to `runs/`. */
  folderParts: string[];
  fileName: string;
}

function placeOf(runId: string, key: string): KeyPlace {
  const segments = key.split("/");
  const last = segments.pop() as string;
  return { folderParts: [runId, ...segments], fileName: last + FILE_SUFFIX };
}

/**
 * A {@link StoreDriver} keeping each value in its own file,
 * `<baseDir>/runs/<run_id>/<key>.json` (so `_system/run` is
 * `runs/<run_id>/_system/run.json`).
 *
 * - Writes are crash-safe: temporary file (named `.<name>.<pid>.<token>.tmp`), write,
 *   fsync, close, rename. Create-if-absent hard-links a synced temporary file into
 *   place, so the key appears complete or not at all.
 * - Compare-and-replace and remove exclude each other through an O_EXCL guard file
 *   `.<name>.cas` beside the key; see {@link FsStoreOptions.staleGuardMs}.
 * - Folders are created 0700 and files 0600.
 * - Symbolic links below `runs/` are never followed, for writes or reads: a path that
 *   leads through one fails with `ERR_UNSAFE_PATH` naming it.
 *
 * Throws `ERR_STORE_OPTIONS` at once when the options are wrong.
 */
export function createFsDriver(options: FsStoreOptions = {}): StoreDriver {
  const { baseDir, staleGuardMs } = resolveFsOptions(options);
  const runsDir = join(baseDir, "runs");
  let realRunsDir: Promise<string> | undefined;

  function unsafe(path: string, runId: string, key?: string): StoreError {
    return new StoreError(
      StoreErrorCode.UnsafePath,
      `refusing ${path}: it is a symbolic link or not a folder, inside the fs store's runs folder ${runsDir}; the store never follows links there. Remove it or point baseDir elsewhere.`,
      key === undefined ? { runId } : { runId, key },
    );
  }

  // Makes `runs/` (and any missing parent) and syncs the parent of each folder made.
  async function makeRunsDir(): Promise<void> {
    const first = await mkdir(runsDir, { recursive: true, mode: FOLDER_MODE });
    if (first === undefined) return;
    for (let made = runsDir; ; made = dirname(made)) {
      await syncFolder(dirname(made));
      if (made === first || dirname(made) === made) break;
    }
  }

  // A link, folder or special file where a key's file should be. (Reads treat a folder
  // there as nothing stored, see the README; creating the key over it is refused.)
  function notRegular(error: NotRegularFileError, runId: string, key: string): StoreError {
    if (error.kind === "link") return unsafe(error.path, runId, key);
    return new StoreError(
      StoreErrorCode.NotAFile,
      `refusing ${error.path}: it is ${error.kind === "folder" ? "a folder" : "a FIFO, socket or device"}, not a regular file, inside the fs store; wct neither reads nor replaces it (reading a FIFO or device could block forever). Remove it; if it held a run's record, \`wct runs\` lists that run as unreadable.`,
      { runId, key },
    );
  }

  // `runs/` is created on first use and must be a real folder; its real path is the
  // root every later check compares against.
  async function ensureRunsDir(create: boolean): Promise<string | undefined> {
    if (realRunsDir === undefined) {
      if (create) await makeRunsDir();
      let stats: Awaited<ReturnType<typeof lstat>>;
      try {
        stats = await lstat(runsDir);
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      if (!stats.isDirectory()) throw unsafe(runsDir, "*");
      realRunsDir = realpath(runsDir);
      realRunsDir.catch(() => {
        realRunsDir = undefined;
      });
    }
    return realRunsDir;
  }

  // Finds the first path below `runs/` that is a link or not a folder, for messages.
  async function firstUnsafe(parts: string[]): Promise<string> {
    let path = runsDir;
    for (const part of parts) {
      path = join(path, part);
      const stats = await lstat(path).catch(() => undefined);
      if (stats === undefined || !stats.isDirectory()) return path;
    }
    return path;
  }

  /**
   * The key's folder, checked to be a real folder below `runs/` reached without links.
   * With `create`, missing folders are made (0700) one segment at a time, each checked
   * with lstat before going deeper, so a planted link never has anything created
   * through it. Without `create`, a missing folder gives `undefined`.
   */
  async function keyFolder(
    runId: string,
    key: string,
    place: KeyPlace,
    create: boolean,
  ): Promise<string | undefined> {
    const realRoot = await ensureRunsDir(create);
    if (realRoot === undefined) return undefined;
    const folder = join(runsDir, ...place.folderParts);
    try {
      // One realpath call checks every segment at once on the common path.
      const real = await realpath(folder);
      if (real === join(realRoot, ...place.folderParts)) return folder;
      throw unsafe(await firstUnsafe(place.folderParts), runId, key);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    if (!create) return undefined;
    // The runs folder may have been removed since it was first checked.
    await makeRunsDir();
    let path = runsDir;
    for (const part of place.folderParts) {
      path = join(path, part);
      try {
        await mkdir(path, { mode: FOLDER_MODE });
        // The new folder's entry lives in its parent: without this a power loss can
        // drop the folder, and every value later committed inside it.
        await syncFolder(dirname(path));
      } catch (error) {
        if (errorCode(error) !== "EEXIST") throw error;
        const stats = await lstat(path);
        if (!stats.isDirectory()) throw unsafe(path, runId, key);
      }
    }
    return folder;
  }

  // Runs a write; a folder removed underneath it (a concurrent clear) is made again.
  async function withFolder<T>(
    runId: string,
    key: string,
    action: (folder: string, place: KeyPlace) => Promise<T>,
  ): Promise<T> {
    const place = placeOf(runId, key);
    for (let attempt = 1; ; attempt++) {
      const folder = (await keyFolder(runId, key, place, true)) as string;
      try {
        return await action(folder, place);
      } catch (error) {
        if (attempt >= 3 || errorCode(error) !== "ENOENT") throw error;
      }
    }
  }

  // Keys below `dir` (relative path `relative`), pruning folders the prefix excludes.
  // Dirents that are links are neither files nor folders here, so they are skipped.
  async function collectKeys(
    dir: string,
    relative: string,
    prefix: string,
    keys: string[],
    stopAtFirst: boolean,
  ): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    const folders: Promise<void>[] = [];
    for (const entry of entries) {
      if (stopAtFirst && keys.length > 0) {
        // Folders already being read are no longer awaited: one that cannot be read
        // (permissions) must not reject unobserved and take the process down.
        for (const folder of folders) folder.catch(() => {});
        return;
      }
      if (entry.name.startsWith(".")) continue;
      const path = relative + entry.name;
      if (entry.isDirectory()) {
        const folderPrefix = `${path}/`;
        if (folderPrefix.startsWith(prefix) || prefix.startsWith(folderPrefix)) {
          folders.push(collectKeys(join(dir, entry.name), folderPrefix, prefix, keys, stopAtFirst));
        }
      } else if (entry.isFile() && entry.name.endsWith(FILE_SUFFIX)) {
        const key = path.slice(0, -FILE_SUFFIX.length);
        if (key.startsWith(prefix) && isValid(validateKey, key)) keys.push(key);
      }
    }
    await Promise.all(folders);
  }

  // The run's folder if it is a real folder; `undefined` when missing.
  async function runFolder(runId: string): Promise<string | undefined> {
    const path = join(runsDir, runId);
    let stats: Awaited<ReturnType<typeof lstat>>;
    try {
      stats = await lstat(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    if (!stats.isDirectory()) throw unsafe(path, runId);
    return path;
  }

  return {
    name: "fs",

    async read(runId, key) {
      const realRoot = await ensureRunsDir(false);
      if (realRoot === undefined) return undefined;
      const place = placeOf(runId, key);
      const file = join(runsDir, ...place.folderParts, place.fileName);
      const orMissing = (error: unknown) => {
        if (isMissing(error) || errorCode(error) === "EISDIR") return undefined;
        throw error;
      };
      // Reading and resolving in parallel costs one round trip; bytes read through a
      // link are dropped before anyone sees them.
      const [bytes, real] = await Promise.all([
        readRegularFile(file).catch((error: unknown) => {
          if (!(error instanceof NotRegularFileError)) return orMissing(error);
          if (error.kind === "folder") return undefined;
          throw notRegular(error, runId, key);
        }),
        realpath(file).catch(orMissing),
      ]);
      if (bytes === undefined || real === undefined) {
        // Nothing there, but a miss through a planted link is refused all the same.
        await keyFolder(runId, key, place, false);
        return undefined;
      }
      if (real !== join(realRoot, ...place.folderParts, place.fileName)) {
        const folder = await firstUnsafe(place.folderParts);
        throw unsafe(folder === join(runsDir, ...place.folderParts) ? file : folder, runId, key);
      }
      return bytes;
    },

    async write(runId, key, data) {
      await withFolder(runId, key, (folder, { fileName }) =>
        replaceFileAtomically(folder, fileName, data),
      );
    },

    async create(runId, key, data) {
      return withFolder(runId, key, async (folder, { fileName }) => {
        const temp = join(folder, tempFileName(fileName));
        try {
          await writeSyncedFile(temp, data);
          // link() fails when the target exists, atomically, and publishes a file
          // that is already complete.
          await link(temp, join(folder, fileName));
          await syncFolder(folder);
          return true;
        } catch (error) {
          if (errorCode(error) !== "EEXIST") throw error;
          // Taken by a regular file: the key exists. Anything else there (a folder, a
          // link, a FIFO) can never be read as the key, so "exists" would be a lie
          // callers such as a lease could wait on forever.
          const held = await lstat(join(folder, fileName)).catch(() => undefined);
          if (held === undefined || held.isFile()) return false;
          throw notRegular(
            new NotRegularFileError(
              join(folder, fileName),
              held.isSymbolicLink() ? "link" : held.isDirectory() ? "folder" : "special",
            ),
            runId,
            key,
          );
        } finally {
          await removeQuietly(temp);
        }
      });
    },

    async replace(runId, key, expected, data) {
      const place = placeOf(runId, key);
      const folder = await keyFolder(runId, key, place, false);
      if (folder === undefined) return false;
      const replaced = await withGuard(folder, place.fileName, staleGuardMs, async () => {
        let current: Buffer;
        try {
          current = await readRegularFile(join(folder, place.fileName));
        } catch (error) {
          if (isMissing(error)) return false;
          if (error instanceof NotRegularFileError) {
            if (error.kind === "folder") return false;
            throw notRegular(error, runId, key);
          }
          throw error;
        }
        if (!current.equals(expected)) return false;
        await replaceFileAtomically(folder, place.fileName, data);
        return true;
      });
      return replaced === true;
    },

    async size(runId, key) {
      const realRoot = await ensureRunsDir(false);
      if (realRoot === undefined) return undefined;
      const place = placeOf(runId, key);
      // Synchronous lstat calls on purpose: a listing sizes every key of thousands of
      // runs, and a thread-pool round trip per call costs ten times the call. lstat
      // never follows the entry it names, so checking each folder below `runs/` and
      // then the file itself is the same no-links guarantee as a realpath, in a few
      // system calls.
      let path = runsDir;
      for (const part of place.folderParts) {
        path = join(path, part);
        const folder = lstatSync(path, { throwIfNoEntry: false });
        if (folder === undefined) return undefined;
        if (!folder.isDirectory()) throw unsafe(path, runId, key);
      }
      const file = lstatSync(join(path, place.fileName), { throwIfNoEntry: false });
      if (file === undefined || file.isDirectory()) return undefined;
      if (!file.isFile()) throw unsafe(join(path, place.fileName), runId, key);
      return file.size;
    },

    async remove(runId, key) {
      const place = placeOf(runId, key);
      const folder = await keyFolder(runId, key, place, false);
      if (folder === undefined) return false;
      const removed = await withGuard(folder, place.fileName, staleGuardMs, async () => {
        try {
          await unlink(join(folder, place.fileName));
          await syncFolder(folder);
          return true;
        } catch (error) {
          // A folder named like the key's file (see the README) is not a key.
          if (isMissing(error) || errorCode(error) === "EISDIR") return false;
          throw error;
        }
      });
      return removed === true;
    },

    async list(runId, prefix) {
      const dir = await runFolder(runId);
      if (dir === undefined) return [];
      const keys: string[] = [];
      await collectKeys(dir, "", prefix, keys, false);
      return keys;
    },

    async listRuns() {
      let entries: Dirent[];
      try {
        entries = await readdir(runsDir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return [];
        throw error;
      }
      const runs = entries.filter(
        (entry) => entry.isDirectory() && isValid(validateRunId, entry.name),
      );
      // A run folder left holding no key (all deleted) is not a run. One that cannot be
      // looked into (permissions) is listed all the same: reading it then says why,
      // instead of one folder hiding every run of the store.
      const held = await Promise.all(
        runs.map(async (entry) => {
          const keys: string[] = [];
          try {
            await collectKeys(join(runsDir, entry.name), "", "", keys, true);
          } catch {
            return true;
          }
          return keys.length > 0;
        }),
      );
      return runs.filter((_, i) => held[i]).map((entry) => entry.name);
    },

    async clear(runId) {
      const dir = await runFolder(runId);
      if (dir === undefined) return;
      // Renaming first makes the run vanish at once for readers and writers; the
      // hidden folder is then removed at leisure and is never listed meanwhile.
      const doomed = join(runsDir, `.${runId}.${randomBytes(4).toString("hex")}.clearing`);
      try {
        await rename(dir, doomed);
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      // Once clear resolves the run stays gone, power loss or not.
      await syncFolder(runsDir);
      await rm(doomed, { recursive: true, force: true });
    },

    async sweep(runId) {
      const dir = await runFolder(runId);
      return dir === undefined ? 0 : sweepTemporaryFiles(dir);
    },

    describe(runId, key) {
      const place = placeOf(runId, key);
      return join(runsDir, ...place.folderParts, place.fileName);
    },
  };
}

/**
 * The filesystem {@link ArtifactStore} (the default backend of wct):
 * `createStore(createFsDriver(options))`. Throws `ERR_STORE_OPTIONS` at once when the
 * options are wrong, e.g. `baseDir` names a file.
 *
 * @example
 * const store = createFsStore({ baseDir: ".waivern" });
 * await store.saveJson(runId, "_system/run", { run_id: runId, status: "running" });
 */
export function createFsStore(options: FsStoreOptions = {}): ArtifactStore {
  return createStore(createFsDriver(options));
}
