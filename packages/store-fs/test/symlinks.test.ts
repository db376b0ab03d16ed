import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Message, StoreErrorCode } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { completedMessage } from "../../../test-utils/messages.js";
import { createFsStore } from "../src/index.js";
import { OTHER_RUN, RUN, useTempDir } from "./temp-dir.js";

const unsafe = { code: StoreErrorCode.UnsafePath };

describe("fs store symbolic links", () => {
  const tmp = useTempDir("links");
  const paths = () => ({
    base: join(tmp.path, "store"),
    outside: join(tmp.path, "outside"),
    run: join(tmp.path, "store", "runs", RUN),
  });

  it("a planted folder link inside a run is not followed for writes", async () => {
    const { base, outside, run } = paths();
    const store = createFsStore({ baseDir: base });
    await store.saveJson(RUN, "a", 1);
    await mkdir(outside);
    await symlink(outside, join(run, "evil"));

    await expect(store.saveJson(RUN, "evil/x", 1)).rejects.toMatchObject(unsafe);
    await expect(store.saveJson(RUN, "evil/deeper/x", 1)).rejects.toMatchObject(unsafe);
    await expect(store.createJson(RUN, "evil/lock", 1)).rejects.toMatchObject(unsafe);
    await expect(store.replaceJson(RUN, "evil/x", "0", 1)).rejects.toMatchObject(unsafe);
    await expect(store.delete(RUN, "evil/x")).rejects.toMatchObject(unsafe);
    expect(await readdir(outside)).toEqual([]);
  });

  it("the refusal names the link", async () => {
    const { base, outside, run } = paths();
    const store = createFsStore({ baseDir: base });
    await store.saveJson(RUN, "a", 1);
    await mkdir(outside);
    await symlink(outside, join(run, "evil"));
    await expect(store.saveJson(RUN, "evil/x", 1)).rejects.toThrow(join(run, "evil"));
  });

  it("a run folder that is a link is not followed for writes or reads", async () => {
    const { base, outside } = paths();
    const store = createFsStore({ baseDir: base });
    await store.saveJson(OTHER_RUN, "a", 1);
    await mkdir(outside);
    await writeFile(join(outside, "secret.json"), '{"secret":true}');
    await symlink(outside, join(base, "runs", RUN));

    await expect(store.saveJson(RUN, "x", 1)).rejects.toMatchObject(unsafe);
    await expect(store.createJson(RUN, "_system/lock", 1)).rejects.toMatchObject(unsafe);
    await expect(store.getJson(RUN, "secret")).rejects.toMatchObject(unsafe);
    await expect(store.exists(RUN, "secret")).rejects.toMatchObject(unsafe);
    await expect(store.listKeys(RUN)).rejects.toMatchObject(unsafe);
    await expect(store.clear(RUN)).rejects.toMatchObject(unsafe);
    expect(await store.listRuns()).toEqual([OTHER_RUN]);
    expect(await readdir(outside)).toEqual(["secret.json"]);
  });

  it("size is never taken through a link, of a folder or of the file", async () => {
    const { base, outside, run } = paths();
    const store = createFsStore({ baseDir: base });
    await store.saveJson(OTHER_RUN, "a", 1);
    await store.saveJson(RUN, "a", 1);
    await mkdir(outside);
    await writeFile(join(outside, "secret.json"), '{"secret":true}');
    await symlink(outside, join(run, "evil"));
    await symlink(join(outside, "secret.json"), join(run, "linked.json"));
    await expect(store.size(RUN, "evil/secret")).rejects.toMatchObject(unsafe);
    await expect(store.size(RUN, "linked")).rejects.toMatchObject(unsafe);
    await symlink(outside, join(base, "runs", "0190c2a4-7a1b-7c3d-8e4f-0000000000ff"));
    await expect(
      store.size("0190c2a4-7a1b-7c3d-8e4f-0000000000ff", "secret"),
    ).rejects.toMatchObject(unsafe);
  });

  /**
   * A store whose run holds the key `a` and, at `name` in the run's folder, a link to a
   * file outside the store holding `text`; returns the store and that file's path.
   */
  async function linkedOutside(name: string, text: string) {
    const { base, outside, run } = paths();
    const store = createFsStore({ baseDir: base });
    await store.saveJson(RUN, "a", 1);
    await mkdir(outside);
    const secret = join(outside, `secret-${name}`);
    await writeFile(secret, text);
    await symlink(secret, join(run, name));
    return { store, secret };
  }

  it("a link to an outside file is neither read nor listed, and saving replaces the link", async () => {
    const { store, secret } = await linkedOutside("secret.json", '{"secret":true}');

    await expect(store.getJson(RUN, "secret")).rejects.toMatchObject(unsafe);
    expect(await store.listKeys(RUN)).toEqual(["a"]);
    await store.saveJson(RUN, "secret", { mine: true });
    expect(await readFile(secret, "utf8")).toBe('{"secret":true}');
    expect(await store.getJson(RUN, "secret")).toEqual({ mine: true });
  });

  it("a link planted at a streamed artifact's own file is refused, not followed", async () => {
    const { store, secret } = await linkedOutside("files.jsonl.br", "not a stream of this store");

    await expect(store.openArtifactReader(RUN, "files")).rejects.toMatchObject(unsafe);
    await expect(store.digest(RUN, "files")).rejects.toMatchObject(unsafe);
    expect(await readFile(secret, "utf8")).toBe("not a stream of this store");
  });

  it("a runs folder that is a link is refused", async () => {
    const { base, outside } = paths();
    await mkdir(base);
    await mkdir(outside);
    await symlink(outside, join(base, "runs"));
    const store = createFsStore({ baseDir: base });
    await expect(store.saveJson(RUN, "a", 1)).rejects.toMatchObject(unsafe);
    expect(await readdir(outside)).toEqual([]);
  });
});

describe("fs store runs folder swapped for a link after the store was opened", () => {
  const tmp = useTempDir("swapped-runs");

  // A store that has saved a plain artifact, a `_system` file and a streamed artifact,
  // whose `runs/` is then replaced by a link to a copy of it elsewhere: every path
  // through it now leads to files the store would read as its own.
  async function swappedStore() {
    const base = join(tmp.path, "store");
    const store = createFsStore({ baseDir: base });
    await store.saveJson(RUN, "a", { plain: true });
    await store.saveJson(RUN, "_system/run", { run_id: RUN });
    const envelope: Message & { content: null } = completedMessage({
      id: "files",
      runId: RUN,
      content: null,
      schema: { name: "file_content", version: "1.0.0" },
      source: "connector:filesystem",
    });
    const writer = await store.openArtifactWriter(RUN, "files", envelope, {
      recordsField: "files",
    });
    await writer.write({ path: "a.txt" });
    await writer.commit({});
    const copy = join(tmp.path, "elsewhere");
    await cp(join(base, "runs"), copy, { recursive: true });
    await rm(join(base, "runs"), { recursive: true });
    await symlink(copy, join(base, "runs"));
    return store;
  }

  it("reading a plain artifact or a _system file through it is refused", async () => {
    const store = await swappedStore();
    await expect(store.getJson(RUN, "a")).rejects.toMatchObject(unsafe);
    await expect(store.getJson(RUN, "_system/run")).rejects.toMatchObject(unsafe);
    await expect(store.getJson(RUN, "missing")).rejects.toMatchObject(unsafe);
    await expect(store.exists(RUN, "a")).rejects.toMatchObject(unsafe);
  });

  it("reading a streamed artifact through it is refused", async () => {
    const store = await swappedStore();
    await expect(store.openArtifactReader(RUN, "files")).rejects.toMatchObject(unsafe);
    await expect(store.getJson(RUN, "files")).rejects.toMatchObject(unsafe);
    await expect(store.exists(RUN, "files")).rejects.toMatchObject(unsafe);
  });

  it("digest and size through it are refused", async () => {
    const store = await swappedStore();
    await expect(store.digest(RUN, "a")).rejects.toMatchObject(unsafe);
    await expect(store.digest(RUN, "files")).rejects.toMatchObject(unsafe);
    await expect(store.size(RUN, "a")).rejects.toMatchObject(unsafe);
    await expect(store.size(RUN, "files")).rejects.toMatchObject(unsafe);
  });

  it("listing runs or keys through it is refused", async () => {
    const store = await swappedStore();
    await expect(store.listRuns()).rejects.toMatchObject(unsafe);
    await expect(store.scanRuns()).rejects.toMatchObject(unsafe);
    await expect(store.scanRunsReading("_system/run")).rejects.toMatchObject(unsafe);
    await expect(store.listKeys(RUN)).rejects.toMatchObject(unsafe);
  });

  it("writing, sweeping or clearing through it is refused and changes nothing there", async () => {
    const store = await swappedStore();
    await expect(store.saveJson(RUN, "b", 1)).rejects.toMatchObject(unsafe);
    await expect(store.createJson(RUN, "_system/lock", 1)).rejects.toMatchObject(unsafe);
    await expect(store.delete(RUN, "a")).rejects.toMatchObject(unsafe);
    await expect(store.sweep(RUN)).rejects.toMatchObject(unsafe);
    await expect(store.clear(RUN)).rejects.toMatchObject(unsafe);
    expect((await readdir(join(tmp.path, "elsewhere", RUN))).sort()).toEqual([
      "_system",
      "a.json",
      "files.jsonl.br",
    ]);
  });
});
