import { readdirSync, readlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDir } from "../../../test-utils/temp-dir.js";
import { ReadAheadBudget } from "../src/read-file.js";
import { READ_AHEAD_FILES, streamPath } from "../src/scan.js";

const temp = useTempDir("read-ahead");

describe("read-ahead budget", () => {
  it("admits reads while their bytes fit and holds the rest until earlier ones are handed out", async () => {
    const budget = new ReadAheadBudget(100);
    expect(budget.admit(0, 60)).toBe(true);
    expect(budget.admit(1, 40)).toBe(true);
    const third = budget.admit(2, 30);
    expect(third).toBeInstanceOf(Promise);
    let admitted = false;
    void (third as Promise<boolean>).then(() => {
      admitted = true;
    });
    await Promise.resolve();
    expect(admitted).toBe(false);
    budget.handedOut(); // turn 0's 60 bytes are its consumer's now
    expect(await third).toBe(true);
  });

  it("always admits the next read to hand out, however large, so reads never wait on each other", async () => {
    const budget = new ReadAheadBudget(100);
    expect(budget.admit(0, 10)).toBe(true);
    // Turn 2 takes the room turn 1 needs; turn 1 still goes once it is the next.
    expect(budget.admit(2, 90)).toBe(true);
    const second = budget.admit(1, 500);
    expect(second).toBeInstanceOf(Promise);
    budget.handedOut();
    expect(await second).toBe(true);
  });

  it("refuses waiting and later reads once cancelled", async () => {
    const budget = new ReadAheadBudget(10);
    expect(budget.admit(0, 10)).toBe(true);
    const waiting = budget.admit(1, 10);
    budget.cancel();
    expect(await waiting).toBe(false);
    expect(budget.admit(2, 1)).toBe(false);
  });
});

describe("a scan stopped early", () => {
  // Linux only: /proc/self/fd lists the process's open files.
  it.skipIf(process.platform !== "linux")(
    "closes every file it was reading ahead, including those waiting for room",
    async () => {
      // Files large enough that only some of the read-ahead fits the byte budget (a
      // small budget: how many bytes it holds does not matter here, only that it fills).
      const readAheadBytes = 64 * 1024;
      const size = Math.ceil(readAheadBytes / 3);
      for (let i = 0; i < READ_AHEAD_FILES + 2; i++) {
        await writeFile(join(temp.path, `f${String(i).padStart(2, "0")}.txt`), "a".repeat(size));
      }
      // Files of the scanned folder the process holds open.
      const openFiles = () =>
        readdirSync("/proc/self/fd").filter((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`).startsWith(temp.path);
          } catch {
            return false; // closed meanwhile
          }
        }).length;
      const scan = streamPath({
        rootPath: temp.path,
        include: ["**"],
        exclude: [],
        maxFiles: 1000,
        maxFileSize: 2 * size,
        encoding: "utf-8",
        signal: new AbortController().signal,
        readAheadBytes,
        reads: "threadpool",
      });
      const first = await scan.files.next();
      expect(first.value?.path).toBe("f00.txt");
      await scan.files.return();
      // The reads already started settle on their own; each closes its file.
      await expect.poll(openFiles, { timeout: 10_000 }).toBe(0);
    },
  );
});
