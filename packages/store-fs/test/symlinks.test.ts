import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StoreErrorCode } from "@wct/store-core";
import { describe, expect, it } from "vitest";
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

  it("a link to an outside file is neither read nor listed, and saving replaces the link", async () => {
    const { base, outside, run } = paths();
    const store = createFsStore({ baseDir: base });
    await store.saveJson(RUN, "a", 1);
    await mkdir(outside);
    const secret = join(outside, "secret.json");
    await writeFile(secret, '{"secret":true}');
    await symlink(secret, join(run, "secret.json"));

    await expect(store.getJson(RUN, "secret")).rejects.toMatchObject(unsafe);
    expect(await store.listKeys(RUN)).toEqual(["a"]);
    await store.saveJson(RUN, "secret", { mine: true });
    expect(await readFile(secret, "utf8")).toBe('{"secret":true}');
    expect(await store.getJson(RUN, "secret")).toEqual({ mine: true });
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
