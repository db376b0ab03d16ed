import { execFileSync } from "node:child_process";
import { readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDir } from "../../../test-utils/temp-dir.js";
import { type ReadOutcome, readTextFile, readTextFileSync } from "../src/read-file.js";
import type { TextEncoding } from "../src/text.js";

// What reading one file gives when the path is no longer the regular file the walk
// listed: the checks are on the descriptor opened, so a swap between the listing and the
// read is caught there. Both readers run the same steps (blocking, and through the
// threadpool), so each case is checked on both.
const readers: Array<
  [string, (path: string, maxFileSize: number, encoding: TextEncoding) => Promise<ReadOutcome>]
> = [
  ["through the threadpool", (path, max, encoding) => readTextFile(path, max, encoding)],
  ["blocking", async (path, max, encoding) => readTextFileSync(path, max, encoding)],
];

describe.each(readers)("reading one file %s", (_, readText) => {
  const temp = useTempDir("read-file");

  it("reads a regular file's text and size", async () => {
    const path = join(temp.path, "a.txt");
    writeFileSync(path, "zoë\n");
    expect(await readText(path, 1024, "utf-8")).toEqual({
      kind: "text",
      text: "zoë\n",
      size: 5,
    });
  });

  it("gives too_large with the size of a file over the limit", async () => {
    const path = join(temp.path, "big.txt");
    writeFileSync(path, "x".repeat(2048));
    expect(await readText(path, 1024, "utf-8")).toEqual({ kind: "too_large", size: 2048 });
  });

  it("gives a file with a NUL byte in its first bytes as binary", async () => {
    const path = join(temp.path, "image.bin");
    writeFileSync(path, Buffer.from([0x89, 0x50, 0x00, 0x47, 0x0d, 0x0a]));
    expect(await readText(path, 1024, "utf-8")).toEqual({ kind: "binary", size: 6 });
  });

  it("refuses a symbolic link put where the file was as unreadable", async () => {
    writeFileSync(join(temp.path, "target.txt"), "secret");
    const path = join(temp.path, "swapped.txt");
    symlinkSync(join(temp.path, "target.txt"), path);
    expect(await readText(path, 1024, "utf-8")).toMatchObject({ kind: "unreadable" });
  });

  it("gives a FIFO put where the file was as unreadable instead of waiting on it", async () => {
    const path = join(temp.path, "fifo");
    execFileSync("mkfifo", [path]);
    expect(await readText(path, 1024, "utf-8")).toMatchObject({ kind: "unreadable" });
  });

  it("gives a folder put where the file was as unreadable", async () => {
    expect(await readText(temp.path, 1024, "utf-8")).toMatchObject({ kind: "unreadable" });
  });

  // Linux only: /proc/self/fd lists the process's open files.
  it.skipIf(process.platform !== "linux")(
    "leaves no file open, whatever the read gave",
    async () => {
      writeFileSync(join(temp.path, "a.txt"), "text");
      writeFileSync(join(temp.path, "big.txt"), "x".repeat(2048));
      writeFileSync(join(temp.path, "image.bin"), Buffer.from([0x00, 0x01]));
      for (const name of ["a.txt", "big.txt", "image.bin"]) {
        await readText(join(temp.path, name), 1024, "utf-8");
      }
      const open = readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(temp.path);
        } catch {
          return false; // closed meanwhile
        }
      });
      expect(open).toEqual([]);
    },
  );

  it("gives a missing file as unreadable", async () => {
    expect(await readText(join(temp.path, "gone.txt"), 1024, "utf-8")).toMatchObject({
      kind: "unreadable",
    });
  });
});

describe("reading one file through the threadpool for a read-ahead", () => {
  const temp = useTempDir("read-file");

  it("asks for no bytes for a file over the limit", async () => {
    const path = join(temp.path, "big.txt");
    writeFileSync(path, "x".repeat(2048));
    const asked: number[] = [];
    const outcome = await readTextFile(path, 1024, "utf-8", (size) => {
      asked.push(size);
      return true;
    });
    expect(outcome).toEqual({ kind: "too_large", size: 2048 });
    expect(asked).toEqual([]);
  });

  it("gives a read the read-ahead cancelled as unreadable", async () => {
    const path = join(temp.path, "a.txt");
    writeFileSync(path, "text");
    expect(await readTextFile(path, 1024, "utf-8", () => false)).toMatchObject({
      kind: "unreadable",
    });
  });
});
