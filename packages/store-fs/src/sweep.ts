import type { Dirent } from "node:fs";
import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";

// `.<file>.<pid>.<8 hex token><counter>.tmp`, as `tempFileName` names them.
const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}[0-9a-z]+\.tmp$/;

function isPidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Removes, below the run folder `dir`, the temporary files of writers that are gone:
 * named by a pid that is neither this process nor any live process of this host.
 * A live writer's file (this process's, or another live process's, such as one that
 * lost the run's lease but still finishes a write) is left alone. Links and anything
 * but regular files are never touched. Resolves with how many were removed.
 */
export async function sweepTemporaryFiles(dir: string): Promise<number> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      removed += await sweepTemporaryFiles(path);
      continue;
    }
    if (!entry.isFile()) continue;
    const pid = Number(TEMP_FILE.exec(entry.name)?.[1]);
    if (Number.isNaN(pid) || pid === process.pid || isPidAlive(pid)) continue;
    try {
      await unlink(path);
      removed += 1;
    } catch {
      // Already gone, or not ours to remove: the next resume tries again.
    }
  }
  return removed;
}
