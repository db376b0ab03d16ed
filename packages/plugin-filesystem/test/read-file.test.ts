import { execFileSync } from "node:child_process";
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDir } from "../../../test-utils/temp-dir.js";
import { readTextFile } from "../src/read-file.js";

// What reading one file gives when the path is no longer the regular file the walk
// listed: the checks are on the descriptor opened, so a swap between the listing and the
// read is caught there.
describe("reading one file", () => {
  const temp = useTempDir("read-file");

  it("reads a regular file's text and size", async () => {
    const path = join(temp.path, "a.txt");
    writeFileSync(path, "zoë\n");
    expect(await readTextFile(path, 1024, "utf-8")).toEqual({
      kind: "text",
      text: "zoë\n",
      size: 5,
    });
  });

  it("gives too_large with the size of a file over the limit, without asking for its bytes", async () => {
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

  it("refuses a symbolic link put where the file was as unreadable", async () => {
    writeFileSync(join(temp.path, "target.txt"), "secret");
    const path = join(temp.path, "swapped.txt");
    symlinkSync(join(temp.path, "target.txt"), path);
    expect(await readTextFile(path, 1024, "utf-8")).toMatchObject({ kind: "unreadable" });
  });

  it("gives a FIFO put where the file was as unreadable instead of waiting on it", async () => {
    const path = join(temp.path, "fifo");
    execFileSync("mkfifo", [path]);
    expect(await readTextFile(path, 1024, "utf-8")).toMatchObject({ kind: "unreadable" });
  });

  it("gives a folder put where the file was as unreadable", async () => {
    expect(await readTextFile(temp.path, 1024, "utf-8")).toMatchObject({ kind: "unreadable" });
  });

  it("gives a missing file as unreadable", async () => {
    expect(await readTextFile(join(temp.path, "gone.txt"), 1024, "utf-8")).toMatchObject({
      kind: "unreadable",
    });
  });

  it("gives a read the read-ahead cancelled as unreadable", async () => {
    const path = join(temp.path, "a.txt");
    writeFileSync(path, "text");
    expect(await readTextFile(path, 1024, "utf-8", () => false)).toMatchObject({
      kind: "unreadable",
    });
  });
});
