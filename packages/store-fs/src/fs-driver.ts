import { randomBytes } from "node:crypto";
import { type Dirent, existsSync, lstatSync, readdirSync, type Stats } from "node:fs";
import {
  type FileHandle,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  unlink,
} from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import {
  type ArtifactStore,
  createStore,
  STREAM_ENCODINGS,
  type StoreDriver,
  type StoredStream,
  StoreError,
  StoreErrorCode,
  validateKey,
  validateRunId,
} from "@wct/store-core/backend";

import {
  errorCode,
  FILE_MODE,
  FOLDER_MODE,
  removeQuietly,
  replaceFileAtomically,
  tempFileName,
  withGuard,
  writeSyncedFile,
} from "./durable-file.js";
import { type FsStoreOptions, resolveFsOptions } from "./options.js";
import {
  NotRegularFileError,
  openRegularHandle,
  readRegularFile,
  readSmallFileSync,
} from "./regular-file.js";
import { sweepTemporaryFiles } from "./sweep.js";
import { syncFolder } from "./sync-folder.js";

const FILE_SUFFIX = ".json";
/** Suffix of a run folder renamed out of sight while it is removed. */
const CLEARING_SUFFIX = ".clearing";
/**
 * Suffix of a streamed artifact's file: JSON lines, then the tags of the codec stages
 * they went through (`.jsonl.br` with the default brotli stage, `.jsonl.gz` for runs
 * stored with gzip, `.jsonl` with none). The suffix is how a reader knows the stages.
 */
function streamSuffix(encoding: string): string {
  return encoding === "" ? ".jsonl" : `.jsonl.${encoding}`;
}
const STREAM_SUFFIXES = STREAM_ENCODINGS.map(streamSuffix);
// Chunk size of streamed reads: large enough for few threadpool round trips, small
// enough that memory stays flat.
const READ_CHUNK = 1024 * 1024;

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
  /** Names of the key's stream forms (a streamed artifact), one per encoding, same order. */
  streamNames: string[];
}

function placeOf(runId: string, key: string): KeyPlace {
  const segments = key.split("/");
  const last = segments.pop() as string;
  return {
    folderParts: [runId, ...segments],
    fileName: last + FILE_SUFFIX,
    streamNames: STREAM_SUFFIXES.map((suffix) => last + suffix),
  };
}

function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return errorCode(error) === "ESRCH";
  }
}

/**
 * Removes temporary files of `name` left in `folder` by writers that were killed
 * (their pid no longer runs on this host). Best effort: a temporary file is never
 * read as data anyway, this only gives the disk space back.
 */
async function sweepDeadTemps(folder: string, fileNames: readonly string[]): Promise<void> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((entry) => entry.endsWith(".tmp"))
      .map(async (entry) => {
        const prefix = fileNames.map((name) => `.${name}.`).find((p) => entry.startsWith(p));
        if (prefix === undefined) return;
        const pid = Number(entry.slice(prefix.length).split(".")[0]);
        if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return;
        if (isProcessGone(pid)) await removeQuietly(join(folder, entry)).catch(() => {});
      }),
  );
}

/**
 * A file read in chunks from a handle opened up front: the bytes are those of the file
 * as it was opened, whatever is renamed over it meanwhile. Ending, breaking out or
 * calling `return()` before the first chunk all close the handle.
 */
function handleChunks(handle: FileHandle): AsyncIterable<Uint8Array> {
  let closed = false;
  // One read ahead of the consumer: hashing or decoding a chunk overlaps reading the
  // next, instead of waiting a threadpool round trip per chunk (what makes verifying a
  // large artifact slow on a busy machine). Memory: two chunks.
  let ahead: Promise<Uint8Array | undefined> | undefined;
  const readNext = async (): Promise<Uint8Array | undefined> => {
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null);
    return bytesRead === 0 ? undefined : buffer.subarray(0, bytesRead);
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    await ahead?.catch(() => {});
    await handle.close();
  };
  return {
    [Symbol.asyncIterator]() {
      return {
        async next(): Promise<IteratorResult<Uint8Array>> {
          if (closed) return { done: true, value: undefined };
          try {
            const chunk = await (ahead ?? readNext());
            ahead = undefined;
            if (chunk === undefined) {
              await close();
              return { done: true, value: undefined };
            }
            ahead = readNext();
            ahead.catch(() => {});
            return { done: false, value: chunk };
          } catch (error) {
            ahead = undefined;
            await close().catch(() => {});
            throw error;
          }
        },
        async return(): Promise<IteratorResult<Uint8Array>> {
          await close();
          return { done: true, value: undefined };
        },
      };
    },
  };
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

  function unsafe(path: string, runId: string, key?: string): StoreError {
    return new StoreError(
      StoreErrorCode.UnsafePath,
      `refusing ${path}: it is a symbolic link or not a folder, inside the fs store's runs folder ${runsDir}; the store never follows links there`,
      {
        runId,
        ...(key === undefined ? {} : { key }),
        hint: "Remove it or point baseDir elsewhere.",
      },
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
      `refusing ${error.path}: it is ${error.kind === "folder" ? "a folder" : "a FIFO, socket or device"}, not a regular file, inside the fs store; wct neither reads nor replaces it (reading a FIFO or device could block forever)`,
      {
        runId,
        key,
        hint: "Remove it; if it held a run's record, `wct runs` lists that run as unreadable.",
      },
    );
  }

  /**
   * Whether the folder at `path` is there as a real folder: `lstat`ed, so a link there
   * is never followed. `false` when it is missing; `ERR_UNSAFE_PATH` naming it when it
   * is a link or anything else but a folder.
   */
  function isRealFolder(path: string, runId: string, key?: string): boolean {
    let stats: ReturnType<typeof lstatSync>;
    try {
      stats = lstatSync(path, { throwIfNoEntry: false });
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    if (stats === undefined) return false;
    if (!stats.isDirectory()) throw unsafe(path, runId, key);
    return true;
  }

  /**
   * The one check that a path of the store leads through no link: every folder on the
   * way from `runs/` down to `runs/<parts...>` (`runs/` itself, then each of `parts` in
   * turn) is a real folder. Returns how many of these folders exist, stopping at the
   * first missing one: `parts.length + 1` when all do. Throws `ERR_UNSAFE_PATH` naming
   * the first that is a link or not a folder. Reads, writes, listings, sweeps and
   * removals all check their folders here. `baseDir` above `runs/` may be a link: the
   * user's choice.
   *
   * lstat never follows the entry it names, so checking each folder in turn from the top
   * is the same no-links guarantee as a realpath, in as many system calls as there are
   * folders, and needs no real path remembered from an earlier call (`runs/` swapped
   * for a link after the store was opened is refused like any other link). Synchronous
   * on purpose: a listing reads and sizes keys of thousands of runs, and a thread-pool
   * round trip per call costs ten times the call.
   *
   * `known` folders at the top of the way were seen real an instant before in the same
   * pass (a listing checks `runs/` once and sees each run folder in its listing of
   * `runs/`) and are not lstat'ed again.
   */
  function realFolders(parts: readonly string[], runId: string, key?: string, known = 0): number {
    let path = runsDir;
    for (let depth = 0; depth <= parts.length; depth++) {
      if (depth > 0) path = `${path}${sep}${parts[depth - 1]}`;
      if (depth >= known && !isRealFolder(path, runId, key)) return depth;
    }
    return parts.length + 1;
  }

  /**
   * The key's folder, checked by {@link realFolders}. With `create`, missing folders are
   * made (0700) one segment at a time, each checked before going deeper, so a planted
   * link never has anything created through it. Without `create`, a missing folder
   * gives `undefined`.
   */
  async function keyFolder(
    runId: string,
    key: string,
    place: KeyPlace,
    create: boolean,
  ): Promise<string | undefined> {
    const parts = place.folderParts;
    const folder = join(runsDir, ...parts);
    const found = realFolders(parts, runId, key);
    if (found > parts.length) return folder;
    if (!create) return undefined;
    if (found === 0) {
      await makeRunsDir();
      // What was made, or found made by someone else meanwhile, must be a real folder too.
      realFolders([], runId, key);
    }
    let path = runsDir;
    for (const [index, part] of parts.entries()) {
      path = `${path}${sep}${part}`;
      if (index + 1 < found) continue;
      try {
        await mkdir(path, { mode: FOLDER_MODE });
        // The new folder's entry lives in its parent: without this a power loss can
        // drop the folder, and every value later committed inside it.
        await syncFolder(dirname(path));
      } catch (error) {
        if (errorCode(error) !== "EEXIST") throw error;
        // Gone again (a concurrent clear): the next mkdir or the write fails with
        // ENOENT, which the caller retries.
        isRealFolder(path, runId, key);
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

  // The key a file `name` in the folder at `relative` stores (plain or streamed form),
  // or undefined when it stores none.
  function keyOfFile(relative: string, name: string): string | undefined {
    const suffix = name.endsWith(FILE_SUFFIX)
      ? FILE_SUFFIX
      : STREAM_SUFFIXES.find((streamed) => name.endsWith(streamed));
    if (suffix === undefined) return undefined;
    const key = relative + name.slice(0, -suffix.length);
    return isValid(validateKey, key) ? key : undefined;
  }

  // Keys below `dir` (relative path `relative`), pruning folders the prefix excludes.
  // Dirents that are links are neither files nor folders here, so they are skipped.
  async function collectKeys(
    dir: string,
    relative: string,
    prefix: string,
    keys: string[],
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
      if (entry.name.startsWith(".")) continue;
      const path = relative + entry.name;
      if (entry.isDirectory()) {
        const folderPrefix = `${path}/`;
        if (folderPrefix.startsWith(prefix) || prefix.startsWith(folderPrefix)) {
          folders.push(collectKeys(join(dir, entry.name), folderPrefix, prefix, keys));
        }
      } else if (entry.isFile()) {
        const key = keyOfFile(relative, entry.name);
        if (key?.startsWith(prefix)) keys.push(key);
      }
    }
    await Promise.all(folders);
  }

  /**
   * The run folders holding a key and, when `marker` is given, those among them holding
   * that key. A folder left holding no key (all deleted) is not a run. One that cannot
   * be looked into (permissions) is listed all the same: reading it then says why,
   * instead of one folder hiding every run of the store. Looked into synchronously: a
   * store of thousands of runs would otherwise pay a thread-pool round trip per run for
   * a listing of a few names.
   *
   * With `read`, the plain bytes of that key are read in the same pass (`values`): a run
   * whose key reads as a small regular file, through real folders, evidently holds a key,
   * so its folder is not listed at all (a listing of a folder costs more than the read).
   * Any other run is looked into as without `read`, and left out of `values`.
   */
  function scanRunFolders(
    marker: string | undefined,
    read?: string,
  ): { runs: string[]; holding: string[]; values: Map<string, Uint8Array> } {
    const nothing = { runs: [], holding: [], values: new Map<string, Uint8Array>() };
    // `runs/` is checked once for the whole pass, not per run: each run folder is then
    // seen real by its entry in the listing of `runs/`.
    if (realFolders([], "*") === 0) return nothing;
    let entries: Dirent[];
    try {
      entries = readdirSync(runsDir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return nothing;
      throw error;
    }
    const markerPlace = marker === undefined ? undefined : placeOf("", marker);
    // The key's path below a run folder, and its folders there, once for the pass.
    const readPlace = read === undefined ? undefined : placeOf("", read);
    const readFile = readPlace && join(...readPlace.folderParts, readPlace.fileName);
    const readFolders = readPlace?.folderParts.slice(1) ?? [];
    // The files that mark a run as holding `marker`: either form for listRunsHolding,
    // the plain form for listRunsReading (what `read` finds), as their contracts say.
    const markerFiles =
      markerPlace === undefined
        ? []
        : (read === undefined
            ? [markerPlace.fileName, ...markerPlace.streamNames]
            : [markerPlace.fileName]
          ).map((name) => join(...markerPlace.folderParts, name));
    const holdsMarker = (dir: string) =>
      markerFiles.some((file) => isRegularFile(`${dir}${sep}${file}`));
    const runs: string[] = [];
    const holding: string[] = [];
    const values = new Map<string, Uint8Array>();
    for (const entry of entries) {
      if (!entry.isDirectory() || !isValid(validateRunId, entry.name)) continue;
      const dir = `${runsDir}${sep}${entry.name}`;
      const bytes =
        read === undefined || readFile === undefined
          ? undefined
          : readInPass(entry.name, read, readFile, readFolders);
      if (bytes !== undefined) {
        runs.push(entry.name);
        values.set(entry.name, bytes);
        if (holdsMarker(dir)) holding.push(entry.name);
        continue;
      }
      let names: Dirent[] | undefined;
      try {
        names = readdirSync(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) continue;
        runs.push(entry.name);
        continue;
      }
      let holds: boolean;
      try {
        holds = holdsKey(dir, "", names);
      } catch {
        holds = true;
      }
      if (!holds) continue;
      runs.push(entry.name);
      if (holdsMarker(dir)) holding.push(entry.name);
    }
    // Checked again after the pass, as `read` checks after reading: had `runs/` been
    // swapped for a link meanwhile, the listing is refused, not made of what was read
    // through it.
    if (realFolders([], "*") === 0) return nothing;
    return { runs, holding, values };
  }

  // Whether `file` is there as a regular file. existsSync first: nearly every run holds
  // no marker, and a miss then costs one call that builds no Stats object.
  function isRegularFile(file: string): boolean {
    return existsSync(file) && lstatSync(file, { throwIfNoEntry: false })?.isFile() === true;
  }

  /**
   * The plain bytes of `key` of the run `runId` (its file is `file` below the run's
   * folder, in the run's folders `folders`), as `read` would give them, or undefined
   * whenever `read` would give anything else (nothing, or an error: it is left to `read`
   * to say which). The key's folders are checked after the read, as `read` checks them,
   * except `runs/` and the run folder: the pass checked `runs/` and saw the run folder
   * real in its listing of `runs/` an instant before, which is the same check (`read`'s
   * own can race a swap just as well) without two calls per run.
   */
  function readInPass(
    runId: string,
    key: string,
    file: string,
    folders: readonly string[],
  ): Uint8Array | undefined {
    const bytes = readSmallFileSync(`${runsDir}${sep}${runId}${sep}${file}`);
    if (bytes === undefined) return undefined;
    try {
      return realFolders([runId, ...folders], runId, key, 2) > folders.length + 1
        ? bytes
        : undefined;
    } catch {
      return undefined;
    }
  }

  // Whether `dir` holds at least one key, at any depth (what collectKeys would find).
  function holdsKey(dir: string, relative = "", read?: Dirent[]): boolean {
    let entries: Dirent[];
    if (read !== undefined) {
      entries = read;
    } else {
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    }
    const folders: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      if (entry.isFile()) {
        if (keyOfFile(relative, entry.name) !== undefined) return true;
      } else if (entry.isDirectory()) {
        folders.push(entry.name);
      }
    }
    return folders.some((name) => holdsKey(join(dir, name), `${relative}${name}/`));
  }

  // Renaming first makes the run vanish at once for readers and writers; the hidden
  // folder is then removed at leisure and is never listed meanwhile.
  async function removeRunFolder(runId: string): Promise<void> {
    const dir = await runFolder(runId);
    if (dir === undefined) return;
    const doomed = join(runsDir, `.${runId}.${randomBytes(4).toString("hex")}${CLEARING_SUFFIX}`);
    try {
      await rename(dir, doomed);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    // Once this resolves the run stays gone, power loss or not.
    await syncFolder(runsDir);
    await rm(doomed, { recursive: true, force: true });
  }

  let leftovers: Promise<void> | undefined;
  async function removeLeftoverFolders(): Promise<void> {
    const names = await readdir(runsDir).catch(() => [] as string[]);
    // A live removal of the same folder races harmlessly: both ignore what is gone.
    await Promise.all(
      names
        .filter((name) => name.startsWith(".") && name.endsWith(CLEARING_SUFFIX))
        .map((name) => rm(join(runsDir, name), { recursive: true, force: true }).catch(() => {})),
    );
  }

  // The run's folder if it is a real folder (see realFolders); `undefined` when missing.
  async function runFolder(runId: string): Promise<string | undefined> {
    return realFolders([runId], runId) > 1 ? join(runsDir, runId) : undefined;
  }

  // Whether the key's folders all exist, through no link (see realFolders).
  function foldersAreReal(runId: string, key: string, place: KeyPlace): boolean {
    return realFolders(place.folderParts, runId, key) > place.folderParts.length;
  }

  /**
   * The newest of the key's stream forms in the folder at `path` (by mtime; of equal
   * ones the first in {@link STREAM_ENCODINGS}), or undefined when there is none.
   * `ERR_UNSAFE_PATH` for a link there, `ERR_NOT_A_FILE` for a special file; a folder
   * there is nothing stored.
   */
  function newestStream(
    path: string,
    place: KeyPlace,
    runId: string,
    key: string,
  ): { index: number; stats: Stats } | undefined {
    let newest: { index: number; stats: Stats } | undefined;
    place.streamNames.forEach((name, index) => {
      const stats = storedFileStats(join(path, name), runId, key);
      if (stats === undefined) return;
      if (newest === undefined || stats.mtimeMs > newest.stats.mtimeMs) newest = { index, stats };
    });
    return newest;
  }

  /**
   * The stats of a stored file, or undefined when nothing is stored there (missing, or a
   * folder). `ERR_UNSAFE_PATH` for a link, `ERR_NOT_A_FILE` for a special file.
   */
  function storedFileStats(file: string, runId: string, key: string): Stats | undefined {
    const stats = lstatSync(file, { throwIfNoEntry: false });
    if (stats === undefined || stats.isDirectory()) return undefined;
    if (stats.isSymbolicLink()) throw unsafe(file, runId, key);
    if (!stats.isFile()) throw notRegular(new NotRegularFileError(file, "special"), runId, key);
    return stats;
  }

  /** The stream file opened for reading, or undefined when it is missing. */
  async function openStreamFile(
    file: string,
    runId: string,
    key: string,
  ): Promise<FileHandle | undefined> {
    try {
      // Neither a link planted at the file itself is followed nor a FIFO waited on.
      return await openRegularHandle(file);
    } catch (error) {
      if (isMissing(error)) return undefined;
      if (error instanceof NotRegularFileError) throw notRegular(error, runId, key);
      throw error;
    }
  }

  return {
    name: "fs",

    async read(runId, key) {
      const place = placeOf(runId, key);
      const file = join(runsDir, ...place.folderParts, place.fileName);
      let bytes: Buffer | undefined;
      try {
        // O_NOFOLLOW refuses a link at the file itself.
        bytes = await readRegularFile(file);
      } catch (error) {
        if (error instanceof NotRegularFileError) {
          if (error.kind !== "folder") throw notRegular(error, runId, key);
        } else if (!isMissing(error) && errorCode(error) !== "EISDIR") {
          throw error;
        }
      }
      // Checked after the read: bytes read through a link planted on the way are
      // dropped before anyone sees them, and a miss through one is refused all the same.
      if (!foldersAreReal(runId, key, place)) return undefined;
      return bytes;
    },

    async write(runId, key, data) {
      await withFolder(runId, key, async (folder, { fileName, streamNames }) => {
        await replaceFileAtomically(folder, fileName, data);
        // A key holds one form: the plain value now replaces a streamed one.
        await Promise.all(streamNames.map((name) => removeQuietly(join(folder, name))));
      });
    },

    async create(runId, key, data) {
      return withFolder(runId, key, async (folder, { fileName, streamNames }) => {
        // A key holding a streamed artifact (of any encoding) holds something.
        const streamed = await Promise.all(
          streamNames.map((name) =>
            lstat(join(folder, name)).catch((error) => {
              if (isMissing(error)) return undefined;
              throw error;
            }),
          ),
        );
        if (streamed.some((stats) => stats !== undefined)) return false;
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
      const place = placeOf(runId, key);
      if (!foldersAreReal(runId, key, place)) return undefined;
      const path = join(runsDir, ...place.folderParts);
      // The plain form first, then the newest stream form (`<key>.jsonl.br`, ...).
      const plain = storedFileStats(join(path, place.fileName), runId, key);
      return plain?.size ?? newestStream(path, place, runId, key)?.stats.size;
    },

    async remove(runId, key) {
      const place = placeOf(runId, key);
      const folder = await keyFolder(runId, key, place, false);
      if (folder === undefined) return false;
      const removed = await withGuard(folder, place.fileName, staleGuardMs, async () => {
        const unlinked = async (name: string) => {
          try {
            await unlink(join(folder, name));
            return true;
          } catch (error) {
            // A folder named like the key's file (see the README) is not a key.
            if (isMissing(error) || errorCode(error) === "EISDIR") return false;
            throw error;
          }
        };
        const plain = await unlinked(place.fileName);
        const streamed = (await Promise.all(place.streamNames.map(unlinked))).includes(true);
        if (plain || streamed) await syncFolder(folder);
        return plain || streamed;
      });
      return removed === true;
    },

    async openWrite(runId, key, encoding) {
      const place = placeOf(runId, key);
      const which = STREAM_ENCODINGS.indexOf(encoding);
      if (which === -1) {
        throw new StoreError(
          StoreErrorCode.InvalidOptions,
          `the fs store cannot name a stream encoded as ${JSON.stringify(encoding)} (for ${key} of run ${runId}): it stores streams as <key>.jsonl.<encoding> for the encodings ${STREAM_ENCODINGS.map((known) => JSON.stringify(known)).join(", ")} only`,
          { runId, key, hint: "Create the store with codec stages of those encodings." },
        );
      }
      const streamName = place.streamNames[which] as string;
      const folder = (await keyFolder(runId, key, place, true)) as string;
      await sweepDeadTemps(folder, place.streamNames);
      const temp = join(folder, tempFileName(streamName));
      const handle = await open(temp, "wx", FILE_MODE);
      let state: "open" | "done" = "open";
      const discard = async () => {
        await handle.close().catch(() => {});
        await removeQuietly(temp);
      };
      return {
        async write(chunk) {
          if (state !== "open") throw new Error(`the write of ${temp} is already finished`);
          let offset = 0;
          while (offset < chunk.length) {
            const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
            offset += bytesWritten;
          }
        },
        async commit() {
          if (state !== "open") throw new Error(`the write of ${temp} is already finished`);
          state = "done";
          try {
            await handle.sync();
            await handle.close();
            await rename(temp, join(folder, streamName));
          } catch (error) {
            await discard().catch(() => {});
            throw error;
          }
          // The rename is durable before the other forms go, so a power loss never
          // leaves the key holding none. Until they go, readers take the newest stream.
          await syncFolder(folder);
          // A key holds one form: the stream now replaces a plain value, or a stream of
          // another encoding (an artifact of an older run rewritten).
          await Promise.all(
            [place.fileName, ...place.streamNames]
              .filter((name) => name !== streamName)
              .map((name) => removeQuietly(join(folder, name))),
          );
        },
        async abort() {
          if (state !== "open") return;
          state = "done";
          await discard();
        },
      };
    },

    async readStream(runId, key) {
      const place = placeOf(runId, key);
      const folder = join(runsDir, ...place.folderParts);
      // Every encoding's file is opened: once opened, a file reads as it was whatever is
      // renamed over it, and of two forms (a crash between a commit and the removal of
      // the older one) the newest is the key's value.
      const opened = await Promise.allSettled(
        place.streamNames.map((name) => openStreamFile(join(folder, name), runId, key)),
      );
      const handles = opened.flatMap((result, index) =>
        result.status === "fulfilled" && result.value !== undefined
          ? [{ handle: result.value, index }]
          : [],
      );
      const closeAll = async (keep?: FileHandle) => {
        await Promise.all(
          handles.filter((h) => h.handle !== keep).map((h) => h.handle.close().catch(() => {})),
        );
      };
      const failed = opened.find((result) => result.status === "rejected");
      if (failed !== undefined) {
        await closeAll();
        throw (failed as PromiseRejectedResult).reason;
      }
      if (handles.length === 0) {
        // A miss through a link on the way is refused all the same, as by `read`.
        foldersAreReal(runId, key, place);
        return undefined;
      }
      // Checked after the open, as `read` checks after reading: a file opened through a
      // link swapped in on the way is closed before a byte of it is read.
      let real: boolean;
      try {
        real = foldersAreReal(runId, key, place);
      } catch (error) {
        await closeAll();
        throw error;
      }
      if (!real) {
        await closeAll();
        return undefined;
      }
      let newest: { handle: FileHandle; index: number; mtimeMs: number } | undefined;
      try {
        for (const { handle, index } of handles) {
          // Checked on the open descriptor, so nothing swapped in after a check is read.
          const stats = await handle.stat();
          if (stats.isDirectory()) continue;
          if (!stats.isFile()) {
            throw notRegular(
              new NotRegularFileError(join(folder, place.streamNames[index] as string), "special"),
              runId,
              key,
            );
          }
          if (newest === undefined || stats.mtimeMs > newest.mtimeMs) {
            newest = { handle, index, mtimeMs: stats.mtimeMs };
          }
        }
      } catch (error) {
        await closeAll();
        throw error;
      }
      await closeAll(newest?.handle);
      if (newest === undefined) return undefined;
      const stream: StoredStream = {
        encoding: STREAM_ENCODINGS[newest.index] as string,
        chunks: handleChunks(newest.handle),
      };
      return stream;
    },

    async list(runId, prefix) {
      const dir = await runFolder(runId);
      if (dir === undefined) return [];
      const keys: string[] = [];
      await collectKeys(dir, "", prefix, keys);
      // Both forms of a key exist for an instant while one replaces the other.
      return [...new Set(keys)];
    },

    async listRuns() {
      return scanRunFolders(undefined).runs;
    },

    async listRunsHolding(marker) {
      const { runs, holding } = scanRunFolders(marker);
      return { runs, holding };
    },

    async listRunsReading(marker, key) {
      return scanRunFolders(marker, key);
    },

    clear: removeRunFolder,

    async removeRun(runId) {
      await removeRunFolder(runId);
      // Folders a killed removal left out of sight hold a whole run's data: the first
      // removal of each store handle gives their space back.
      leftovers ??= removeLeftoverFolders();
      await leftovers;
    },

    async sweep(runId) {
      const dir = await runFolder(runId);
      return dir === undefined ? 0 : sweepTemporaryFiles(dir);
    },

    describe(runId, key) {
      const place = placeOf(runId, key);
      return join(runsDir, ...place.folderParts, place.fileName);
    },

    describeStream(runId, key, encoding) {
      const place = placeOf(runId, key);
      const path = join(runsDir, ...place.folderParts);
      let which = encoding === undefined ? -1 : STREAM_ENCODINGS.indexOf(encoding);
      if (which === -1) {
        try {
          which = newestStream(path, place, runId, key)?.index ?? 0;
        } catch {
          which = 0;
        }
      }
      return join(path, place.streamNames[which] as string);
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
