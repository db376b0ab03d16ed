// How the bundle's files are put in place (scripts/bundle.mjs). A `wct` started while a
// build runs (an end-to-end test during a rebuild, a benchmark beside `pnpm test`) must
// find one build's files or the other's, never a missing or half-written one. So each
// file is written beside its place and renamed into it; the chunks go before the entries
// that import them; and the previous build's leftovers are removed last. Chunks are named
// by their content's hash, so one that did not change keeps its name and is never gone.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

const TEMP = /\.(\d+)\.tmp$/;

/**
 * Writes `files` (esbuild's output files: `path` and `contents`) into `dir`, the ones
 * named in `entries` last, and removes what else `dir` holds, except the files another
 * build that is still running is writing. Returns the names in the order they were placed.
 *
 * @param {string} dir
 * @param {ReadonlyArray<{ path: string; contents: Uint8Array }>} files
 * @param {ReadonlySet<string>} entries
 * @returns {string[]}
 */
export function placeOutputs(dir, files, entries) {
  mkdirSync(dir, { recursive: true });
  const isEntry = (file) => entries.has(basename(file.path));
  const ordered = [...files.filter((f) => !isEntry(f)), ...files.filter(isEntry)];
  for (const file of ordered) {
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
  const placed = new Set(ordered.map((file) => basename(file.path)));
  for (const name of readdirSync(dir)) {
    if (placed.has(name)) continue;
    const temp = TEMP.exec(name);
    if (temp !== null && isAlive(Number(temp[1]))) continue;
    rmSync(join(dir, name), { force: true, recursive: true });
  }
  return ordered.map((file) => basename(file.path));
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}
