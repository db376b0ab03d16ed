import { spawn } from "node:child_process";
import { once } from "node:events";
import { access, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bundleChild } from "../../../scripts/test-child.js";
import { scaledRuns } from "../../../test-utils/property-runs.js";
import { createFsStore } from "../src/index.js";
import { RUN, useTempDir } from "./temp-dir.js";

const CAS_CHILD = fileURLToPath(new URL("./fixtures/cas-child.ts", import.meta.url));

describe("fs store guard under races and clock skew", () => {
  const tmp = useTempDir("guard-races");

  const guardOf = (file: string) => join(dirname(file), ".lock.json.cas");

  async function plantDeadGuard(store: ReturnType<typeof createFsStore>, mtime: Date) {
    await store.saveJson(RUN, "_system/lock", { owner: "dead", at: Math.random() });
    const guard = guardOf(store.describe(RUN, "_system/lock"));
    await writeFile(guard, "999999\n");
    await utimes(guard, mtime, mtime);
    return guard;
  }

  it("lets exactly one of many concurrent compare-and-replaces win over a dead guard", async () => {
    // Each round: a guard left by a dead process, and 24 callers replacing the same
    // version. Every caller judges the guard stale; only one may get through. Rounds
    // scale like property runs (CI runs three times as many).
    for (let round = 0; round < scaledRuns(8); round++) {
      const store = createFsStore({ baseDir: join(tmp.path, `r${round}`) });
      await plantDeadGuard(store, new Date(Date.now() - 60_000));
      const read = await store.readJsonVersioned(RUN, "_system/lock");
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          store.replaceJson(RUN, "_system/lock", read!.version, { owner: `w${i}` }),
        ),
      );
      expect(results.filter(Boolean), `round ${round}`).toHaveLength(1);
    }
  });

  it("lets exactly one of several processes win a compare-and-replace over a dead guard", async () => {
    const baseDir = tmp.path;
    const store = createFsStore({ baseDir });
    await store.saveJson(RUN, "_system/lock", { owner: "first" });
    const childScript = await bundleChild(CAS_CHILD);
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, [childScript, baseDir, RUN], { stdio: ["pipe", "pipe", "inherit"] }),
    );
    const exits = children.map((child) => once(child, "exit"));
    try {
      const lines = children.map((child) =>
        createInterface({ input: child.stdout! })[Symbol.asyncIterator](),
      );
      const next = async (i: number) => (await lines[i]!.next()).value as string;
      expect(await Promise.all(children.map((_, i) => next(i)))).toEqual(
        children.map(() => "ready"),
      );
      for (let round = 0; round < scaledRuns(4); round++) {
        await plantDeadGuard(store, new Date(Date.now() - 60_000));
        const read = await store.readJsonVersioned(RUN, "_system/lock");
        // Every child gets the version at once; all of them meet the dead guard.
        for (const child of children) child.stdin!.write(`${read!.version}\n`);
        const results = await Promise.all(children.map((_, i) => next(i)));
        expect(
          results.filter((r) => r === "won"),
          `round ${round}`,
        ).toHaveLength(1);
      }
    } finally {
      for (const child of children) child.stdin!.end();
      await Promise.all(exits);
    }
  }, 60_000);

  it("breaks a dead guard whose mtime lies in the future (clock skew) instead of waiting for the clock", async () => {
    const store = createFsStore({ baseDir: tmp.path, staleGuardMs: 100 });
    const guard = await plantDeadGuard(store, new Date(Date.now() + 3_600_000));
    const read = await store.readJsonVersioned(RUN, "_system/lock");
    // Unfixed, this waits an hour for the wall clock to pass the guard's mtime.
    expect(await store.replaceJson(RUN, "_system/lock", read!.version, { owner: "me" })).toBe(true);
    await expect(access(guard)).rejects.toMatchObject({ code: "ENOENT" });
  }, 10_000);

  it("removes a key over a dead guard from the future too", async () => {
    const store = createFsStore({ baseDir: tmp.path, staleGuardMs: 100 });
    await plantDeadGuard(store, new Date(Date.now() + 3_600_000));
    await store.delete(RUN, "_system/lock");
    expect(await store.exists(RUN, "_system/lock")).toBe(false);
  }, 10_000);
});
