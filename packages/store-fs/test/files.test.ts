import { access, mkdir, readdir, readFile, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Message, messageDigest, StoreErrorCode } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { createFsStore } from "../src/index.js";
import { OTHER_RUN, RUN, useTempDir } from "./temp-dir.js";

const message = (content: unknown): Message => ({
  id: "a",
  schema: { name: "s", version: "1.0.0" },
  content,
  run_id: RUN,
  source: "connector:test",
  timestamp: "2026-01-01T00:00:00.000Z",
  execution: { status: "completed", error: null, duration_ms: 1, origin: "connector", alias: null },
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe("fs store layout", () => {
  const tmp = useTempDir("layout");

  it("keys live at runs/<run_id>/<key>.json and describe names that file", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "_system/run", { run_id: RUN });
    const file = join(tmp.path, "runs", RUN, "_system", "run.json");
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ run_id: RUN });
    expect(store.describe(RUN, "_system/run")).toBe(file);
  });

  it("a saved message is stored as exactly the text its digest covers", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    const saved = message({ rows: [1, 2] });
    await store.save(RUN, "a", saved);
    const text = await readFile(store.describe(RUN, "a"), "utf8");
    expect(text).toBe(JSON.stringify(saved));
    expect(messageDigest(await store.get(RUN, "a"))).toBe(messageDigest(saved));
  });

  it("reads create nothing on disk", async () => {
    const baseDir = join(tmp.path, "not-yet");
    const store = createFsStore({ baseDir });
    expect(await store.exists(RUN, "a")).toBe(false);
    expect(await store.listKeys(RUN)).toEqual([]);
    expect(await store.listRuns()).toEqual([]);
    await expect(store.delete(RUN, "a")).rejects.toMatchObject({
      code: StoreErrorCode.ArtifactNotFound,
    });
    await expect(access(baseDir)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("clear removes the run's folder", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "nested/a", 1);
    await store.saveJson(OTHER_RUN, "a", 1);
    await store.clear(RUN);
    expect(await readdir(join(tmp.path, "runs"))).toEqual([OTHER_RUN]);
  });

  it("deleteRun removes the run's folder in one step, leaving no tombstone", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "_system/run", 1);
    await store.saveJson(RUN, "a", 1);
    await store.saveJson(OTHER_RUN, "a", 1);
    await store.deleteRun(RUN);
    expect(await readdir(join(tmp.path, "runs"))).toEqual([OTHER_RUN]);
    expect(await store.isDeleting(RUN)).toBe(false);
  });

  it("deleteRun gives back the space of a run whose removal a crash cut short", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    // What a removal killed after its rename leaves: the run's folder, out of sight.
    const leftover = join(tmp.path, "runs", `.${OTHER_RUN}.0badc0de.clearing`);
    await mkdir(join(leftover, "_system"), { recursive: true });
    await writeFile(join(leftover, "_system", "run.json"), "{}");
    await store.saveJson(RUN, "a", 1);
    await store.deleteRun(RUN);
    expect(await readdir(join(tmp.path, "runs"))).toEqual([]);
  });
});

describe("fs store permissions", () => {
  const tmp = useTempDir("modes");

  it("files are created 0600 and folders 0700", async () => {
    const baseDir = join(tmp.path, "base");
    const store = createFsStore({ baseDir });
    await store.saveJson(RUN, "nested/deeper/a", 1);
    await store.createJson(RUN, "_system/lock", { pid: 1 });
    const lock = await store.readJsonVersioned(RUN, "_system/lock");
    await store.replaceJson(RUN, "_system/lock", lock!.version, { pid: 2 });

    const run = join(baseDir, "runs", RUN);
    for (const folder of [baseDir, join(baseDir, "runs"), run, join(run, "nested/deeper")]) {
      expect(await modeOf(folder), folder).toBe(0o700);
    }
    for (const file of [join(run, "nested/deeper/a.json"), join(run, "_system/lock.json")]) {
      expect(await modeOf(file), file).toBe(0o600);
    }
  });
});

describe("fs store corrupt entries", () => {
  const tmp = useTempDir("corrupt");

  it("a truncated file gives ERR_CORRUPT_ENTRY naming the file, and other keys stay readable", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.save(RUN, "a", message({ rows: Array.from({ length: 100 }, (_, i) => i) }));
    await store.save(RUN, "b", message("fine"));
    const file = store.describe(RUN, "a");
    await truncate(file, 40);

    for (const read of [() => store.get(RUN, "a"), () => store.getJson(RUN, "a")]) {
      const error = await read().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: StoreErrorCode.CorruptEntry });
      expect((error as Error).message).toContain(file);
    }
    expect((await store.get(RUN, "b")).content).toBe("fine");
  });

  it("a file that is not JSON gives ERR_CORRUPT_ENTRY naming the file", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "b", { ok: true });
    const file = join(tmp.path, "runs", RUN, "notes.json");
    await writeFile(file, "this is not json\n");
    await expect(store.getJson(RUN, "notes")).rejects.toMatchObject({
      code: StoreErrorCode.CorruptEntry,
      message: expect.stringContaining(file),
    });
    expect(await store.getJson(RUN, "b")).toEqual({ ok: true });
  });

  it("a file of invalid UTF-8 gives ERR_CORRUPT_ENTRY", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "b", 1);
    await writeFile(store.describe(RUN, "b"), Buffer.from([0x22, 0xff, 0xfe, 0x22]));
    await expect(store.getJson(RUN, "b")).rejects.toMatchObject({
      code: StoreErrorCode.CorruptEntry,
    });
  });

  it("a file of invalid UTF-8 after non-ASCII text gives ERR_CORRUPT_ENTRY", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "b", "zoë");
    const valid = await readFile(store.describe(RUN, "b"));
    await writeFile(
      store.describe(RUN, "b"),
      Buffer.concat([valid.subarray(0, -1), Buffer.from([0xc3, 0x22])]),
    );
    await expect(store.getJson(RUN, "b")).rejects.toMatchObject({
      code: StoreErrorCode.CorruptEntry,
    });
  });

  it("a file that starts with a UTF-8 byte-order mark reads as the JSON after it", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "b", { name: "zoë" });
    const file = store.describe(RUN, "b");
    await writeFile(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), await readFile(file)]));
    expect(await store.getJson(RUN, "b")).toEqual({ name: "zoë" });
  });
});

describe("fs store listing", () => {
  const tmp = useTempDir("listing");

  it("leftover temporary and guard files are never listed as keys", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "a", 1);
    await store.saveJson(RUN, "_system/state", 1);
    const run = join(tmp.path, "runs", RUN);
    await writeFile(join(run, ".a.json.4242.deadbeef1.tmp"), '{"half":');
    await writeFile(join(run, ".b.json.4242.deadbeef2.tmp"), '{"never":"renamed"}');
    await writeFile(join(run, "_system", ".state.json.cas"), "4242\n");
    await mkdir(join(run, ".hidden"));
    await writeFile(join(run, ".hidden", "c.json"), "1");
    expect(await store.listKeys(RUN)).toEqual(["_system/state", "a"]);
    expect(await store.exists(RUN, "b")).toBe(false);
  });

  it("files that are not keys are not listed", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "a", 1);
    const run = join(tmp.path, "runs", RUN);
    await writeFile(join(run, "notes.txt"), "hello");
    await writeFile(join(run, "has space.json"), "1");
    await writeFile(join(run, "b.json.bak"), "1");
    expect(await store.listKeys(RUN)).toEqual(["a"]);
  });

  it("listRuns skips folders that are not run ids, hidden folders and runs without keys", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "a", 1);
    const runs = join(tmp.path, "runs");
    await mkdir(join(runs, "not a run"));
    await writeFile(join(runs, "not a run", "a.json"), "1");
    await mkdir(join(runs, `.${OTHER_RUN}.abcd.clearing`));
    await writeFile(join(runs, `.${OTHER_RUN}.abcd.clearing`, "a.json"), "1");
    await mkdir(join(runs, OTHER_RUN, "_system"), { recursive: true });
    await writeFile(join(runs, OTHER_RUN, "_system", ".lock.json.1.x.tmp"), "{");
    await writeFile(join(runs, "stray-file"), "");
    expect(await store.listRuns()).toEqual([RUN]);
  });
});

describe("fs store races", () => {
  const tmp = useTempDir("races");

  it("reads racing deletes see a value or not-found, never a backend error", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    for (const key of keys) await store.saveJson(RUN, key, { key });
    const outcomes = await Promise.allSettled(
      keys.flatMap((key) => [
        store.delete(RUN, key),
        store.getJson(RUN, key),
        store.exists(RUN, key),
      ]),
    );
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        expect(outcome.reason).toMatchObject({ code: StoreErrorCode.ArtifactNotFound });
      }
    }
    expect(await store.listKeys(RUN)).toEqual([]);
  });

  it("writes racing a clear of their run either land or are cleared, never fail", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "nested/seed", 1);
    const writes = Array.from({ length: 30 }, (_, i) => store.saveJson(RUN, `nested/k${i}`, i));
    await Promise.all([...writes, store.clear(RUN), store.clear(RUN)]);
    for (const key of await store.listKeys(RUN)) {
      expect(typeof (await store.getJson(RUN, key))).toBe("number");
    }
  });
});
