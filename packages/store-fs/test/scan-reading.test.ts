import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StoreErrorCode } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { createFsStore } from "../src/index.js";
import { OTHER_RUN, RUN, useTempDir } from "./temp-dir.js";

const KEY = "_system/run";
const THIRD_RUN = "0190c2a4-7a1b-7c3d-8e4f-000000000003";

describe("fs store scanRunsReading", () => {
  const tmp = useTempDir("scan-reading");
  const runDir = (runId: string) => join(tmp.path, "runs", runId);

  it("reads the key of every run holding it in the scan pass", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, KEY, { run: 1 });
    await store.saveJson(OTHER_RUN, KEY, { run: 2 });
    const scan = await store.scanRunsReading(KEY);
    expect(scan.runs).toEqual([RUN, OTHER_RUN]);
    expect(Object.fromEntries(scan.values)).toEqual({
      [RUN]: { value: { run: 1 }, size: '{"run":1}'.length },
      [OTHER_RUN]: { value: { run: 2 }, size: '{"run":2}'.length },
    });
  });

  it("lists a run whose key file is a link, and leaves it to getJson, which refuses it", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "artifact", 1);
    writeFileSync(join(tmp.path, "outside.json"), '{"run":"outside"}');
    mkdirSync(join(runDir(RUN), "_system"));
    symlinkSync(join(tmp.path, "outside.json"), join(runDir(RUN), "_system", "run.json"));
    const scan = await store.scanRunsReading(KEY);
    expect(scan.runs).toEqual([RUN]);
    expect(scan.values.has(RUN)).toBe(false);
    await expect(store.getJson(RUN, KEY)).rejects.toMatchObject({
      code: StoreErrorCode.UnsafePath,
    });
  });

  it("lists a run whose key's folder is a link, and leaves it to getJson, which refuses it", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(OTHER_RUN, KEY, { run: "other" });
    await store.saveJson(RUN, "artifact", 1);
    symlinkSync(join(runDir(OTHER_RUN), "_system"), join(runDir(RUN), "_system"));
    const scan = await store.scanRunsReading(KEY);
    expect(scan.runs).toEqual([RUN, OTHER_RUN]);
    expect([...scan.values.keys()]).toEqual([OTHER_RUN]);
    await expect(store.getJson(RUN, KEY)).rejects.toMatchObject({
      code: StoreErrorCode.UnsafePath,
    });
  });

  it("lists a run whose key file is a FIFO without blocking, and leaves it to getJson", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, KEY, { run: 1 });
    rmSync(join(runDir(RUN), "_system", "run.json"));
    execFileSync("mkfifo", [join(runDir(RUN), "_system", "run.json")]);
    await store.saveJson(RUN, "artifact", 1);
    const scan = await store.scanRunsReading(KEY);
    expect(scan.runs).toEqual([RUN]);
    expect(scan.values.size).toBe(0);
    await expect(store.getJson(RUN, KEY)).rejects.toMatchObject({
      code: StoreErrorCode.NotAFile,
    });
  });

  it("leaves a key file that is not JSON to getJson, which says it is corrupt", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, KEY, { run: 1 });
    writeFileSync(join(runDir(RUN), "_system", "run.json"), '{"run":');
    const scan = await store.scanRunsReading(KEY);
    expect(scan.runs).toEqual([RUN]);
    expect(scan.values.size).toBe(0);
    await expect(store.getJson(RUN, KEY)).rejects.toMatchObject({
      code: StoreErrorCode.CorruptEntry,
    });
  });

  it("does not list a folder holding only a folder named like the key's file", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, KEY, { run: 1 });
    mkdirSync(join(runDir(THIRD_RUN), "_system", "run.json"), { recursive: true });
    const scan = await store.scanRunsReading(KEY);
    expect(scan.runs).toEqual([RUN]);
  });

  it("lists a run holding the tombstone as deleting, whether or not its key is read", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, KEY, { run: 1 });
    await store.saveJson(RUN, "_deleting", { deleting_since: "2026-01-01T00:00:00Z" });
    await store.saveJson(OTHER_RUN, "_deleting", { deleting_since: "2026-01-01T00:00:00Z" });
    const scan = await store.scanRunsReading(KEY);
    expect(scan.runs).toEqual([RUN, OTHER_RUN]);
    expect(scan.deleting).toEqual([RUN, OTHER_RUN]);
    expect([...scan.values.keys()]).toEqual([RUN]);
  });
});
