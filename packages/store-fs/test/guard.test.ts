import { access, unlink, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { createFsStore } from "../src/index.js";
import { RUN, useTempDir } from "./temp-dir.js";

describe("fs store compare-and-replace guard", () => {
  const tmp = useTempDir("guard");

  const guardOf = (file: string) => join(dirname(file), ".lock.json.cas");

  it("a guard left by a dead process is broken once older than staleGuardMs", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "_system/lock", { owner: "dead" });
    const guard = guardOf(store.describe(RUN, "_system/lock"));
    await writeFile(guard, "999999\n");
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(guard, longAgo, longAgo);

    const read = await store.readJsonVersioned(RUN, "_system/lock");
    expect(await store.replaceJson(RUN, "_system/lock", read!.version, { owner: "me" })).toBe(true);
    await expect(access(guard)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a live guard holds replace back until it is released", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    await store.saveJson(RUN, "_system/lock", { owner: "old" });
    const guard = guardOf(store.describe(RUN, "_system/lock"));
    await writeFile(guard, `${process.pid}\n`);

    const read = await store.readJsonVersioned(RUN, "_system/lock");
    let settled = false;
    const replacing = store
      .replaceJson(RUN, "_system/lock", read!.version, { owner: "new" })
      .finally(() => {
        settled = true;
      });
    // While the guard exists and is fresh the replace cannot have completed.
    await access(guard);
    expect(settled).toBe(false);
    expect(await store.getJson(RUN, "_system/lock")).toEqual({ owner: "old" });

    await unlink(guard);
    expect(await replacing).toBe(true);
    expect(await store.getJson(RUN, "_system/lock")).toEqual({ owner: "new" });
  });
});
