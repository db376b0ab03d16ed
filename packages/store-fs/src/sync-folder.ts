import { open } from "node:fs/promises";

// Platforms and file systems that cannot open or fsync a folder (Windows, some network
// mounts) answer with one of these: there the rename is as durable as it gets.
const UNSUPPORTED = new Set(["EISDIR", "EPERM", "EACCES", "EINVAL", "ENOTSUP", "EBADF"]);

/**
 * Flushes `folder`'s entries to the disk. A rename, link, unlink or mkdir changes the
 * folder, not the file: until the folder itself is synced, a power loss can undo it
 * and lose a committed value (or bring back a removed one).
 */
export async function syncFolder(folder: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(folder, "r");
  } catch (error) {
    if (UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? "")) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
  } finally {
    await handle.close();
  }
}
