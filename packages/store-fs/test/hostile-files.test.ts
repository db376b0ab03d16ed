import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isStoreError, StoreErrorCode } from "@wct/store-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deadPid } from "../../../test-utils/dead-pid.js";
import { createFsStore } from "../src/index.js";
import { readRegularFile } from "../src/regular-file.js";

const RUN = "run-1";
let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "wct-fs-hostile-"));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("entries that are not regular files", () => {
  it("a FIFO at a key is refused with ERR_NOT_A_FILE instead of blocking", async () => {
    const store = createFsStore({ baseDir: base });
    await store.saveJson(RUN, "_system/state", { ok: true });
    const file = store.describe(RUN, "_system/state");
    await rm(file);
    execFileSync("mkfifo", [file]);
    const read = store.getJson(RUN, "_system/state");
    await expect(read).rejects.toSatisfy((e) => isStoreError(e, StoreErrorCode.NotAFile));
    await expect(store.digest(RUN, "_system/state")).rejects.toSatisfy((e) =>
      isStoreError(e, StoreErrorCode.NotAFile),
    );
  });

  it("a FIFO where a streamed artifact's file should be is refused with ERR_NOT_A_FILE instead of blocking", async () => {
    const store = createFsStore({ baseDir: base });
    await store.saveJson(RUN, "_system/state", { ok: true });
    execFileSync("mkfifo", [join(base, "runs", RUN, "a.jsonl.gz")]);
    await expect(store.digest(RUN, "a")).rejects.toSatisfy((e) =>
      isStoreError(e, StoreErrorCode.NotAFile),
    );
  });

  it("a FIFO swapped in for a checked file is still refused: the check is on the open descriptor", async () => {
    const file = join(base, "swapped");
    execFileSync("mkfifo", [file]);
    await expect(readRegularFile(file)).rejects.toMatchObject({ code: "ENOTREG", kind: "special" });
  });

  it("a FIFO under compare-and-replace is refused, not waited on", async () => {
    const store = createFsStore({ baseDir: base });
    await store.saveJson(RUN, "_system/lock", { a: 1 });
    const current = await store.readJsonVersioned(RUN, "_system/lock");
    const file = store.describe(RUN, "_system/lock");
    await rm(file);
    execFileSync("mkfifo", [file]);
    await expect(
      store.replaceJson(RUN, "_system/lock", current!.version, { a: 2 }),
    ).rejects.toSatisfy((e) => isStoreError(e, StoreErrorCode.NotAFile));
  });
});

describe("sweep", () => {
  it("removes temporary files of dead writers, keeps those of live ones and every key", async () => {
    const store = createFsStore({ baseDir: base });
    await store.saveJson(RUN, "a", [1]);
    await store.saveJson(RUN, "_system/state", {});
    const runDir = join(base, "runs", RUN);
    const dead = await deadPid();
    const deadFiles = [
      join(runDir, `.a.json.${dead}.0badf00d1.tmp`),
      join(runDir, "_system", `.state.json.${dead}.deadbeefz.tmp`),
    ];
    const liveFiles = [
      join(runDir, `.a.json.${process.pid}.0badf00d2.tmp`),
      join(runDir, `.a.json.1.0badf00d3.tmp`), // pid 1 is alive
    ];
    const other = join(runDir, ".notes.tmp");
    for (const f of [...deadFiles, ...liveFiles, other]) writeFileSync(f, "x");
    mkdirSync(join(runDir, `.dir.json.${dead}.0badf00d4.tmp`));

    expect(await store.sweep(RUN)).toBe(2);
    for (const f of deadFiles) expect(existsSync(f), f).toBe(false);
    for (const f of [...liveFiles, other]) expect(existsSync(f), f).toBe(true);
    expect(await store.listKeys(RUN)).toEqual(["_system/state", "a"]);
    expect(readdirSync(runDir)).toContain(`.dir.json.${dead}.0badf00d4.tmp`);
  });

  it("of a run that does not exist removes nothing", async () => {
    expect(await createFsStore({ baseDir: base }).sweep(RUN)).toBe(0);
  });
});
