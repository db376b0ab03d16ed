import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { watch } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bundleChild } from "../../../scripts/test-child.js";
import { mulberry32 } from "../../../test-utils/seeded-random.js";
import { createFsStore } from "../src/index.js";
import { CHILD_KEYS, CHILD_RUN_ID } from "./fixtures/writer-child.js";

// The store-level scenario (a torn write); a whole run killed and resumed is
// apps/wct/test/crash.e2e.test.ts. Soak: WCT_CRASH_TRIALS=200 WCT_CRASH_SEED=<n>.
const KILLS = Number(process.env.WCT_CRASH_TRIALS ?? 6);
const SEED = Number(process.env.WCT_CRASH_SEED ?? 20261129);

let childScript = "";
beforeAll(async () => {
  childScript = await bundleChild(
    fileURLToPath(new URL("./fixtures/writer-child.ts", import.meta.url)),
  );
});

interface ChildValue {
  n: number;
  size: number;
  payload: string;
  sha256: string;
}

function parsesWhole(text: string): boolean {
  try {
    return isCompleteValue(JSON.parse(text));
  } catch {
    return false;
  }
}

function isCompleteValue(value: unknown): boolean {
  const { size, payload, sha256 } = value as Partial<ChildValue>;
  return (
    typeof payload === "string" &&
    payload.length === size &&
    createHash("sha256").update(payload).digest("hex") === sha256
  );
}

/**
 * When to kill the writer, once it has printed "ready" and then `afterSaves` more
 * completed writes: at once (it is then encoding or starting its next write), or once
 * its next temporary file appears in the run's folder (it is then inside a write).
 */
interface KillMoment {
  afterSaves: number;
  onNextChange: boolean;
}

async function killWriter(baseDir: string, moment: KillMoment, seed: number): Promise<void> {
  const runDir = join(baseDir, "runs", CHILD_RUN_ID);
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  const watcher = watch(runDir);
  const child = spawn(process.execPath, [childScript, baseDir, String(seed)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit");
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  try {
    let ready = false;
    let saves = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === "ready") ready = true;
      else if (line.startsWith("saved ")) saves++;
      if (ready && saves >= moment.afterSaves) break;
    }
    if (ready && moment.onNextChange) {
      for (;;) {
        const [, name] = (await Promise.race([once(watcher, "change"), exited])) as [
          string,
          string | undefined,
        ];
        if (name === undefined || name.endsWith(".tmp")) break;
      }
    }
    child.kill("SIGKILL");
    const [, signal] = await exited;
    expect(signal, `the writer died on its own: ${stderr}`).toBe("SIGKILL");
  } finally {
    watcher.close();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

/**
 * Which file a path names now: a value replaced by rename is a new inode, one written
 * in place a new mtime and ctime, so an unchanged identity means the bytes checked
 * after an earlier kill, which need no second check.
 */
async function identityOf(file: string): Promise<string> {
  const { ino, size, mtimeMs, ctimeMs } = await stat(file);
  return `${ino}:${size}:${mtimeMs}:${ctimeMs}`;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("fs store crash safety", () => {
  let baseDir = "";
  beforeEach(async () => {
    baseDir = await mkdtemp(join(tmpdir(), "wct-store-fs-crash-"));
  });
  afterEach(async () => {
    await rm(baseDir, { recursive: true, force: true });
  });

  it(
    "a writer killed with SIGKILL mid-write leaves only complete values and no listed temp file",
    async () => {
      const random = mulberry32(SEED);
      let leftoverTempFiles = 0;
      // Each writer rewrites a few keys; the rest (every `created/` key) stay as the
      // previous kills left them and were checked then.
      const checkedFiles = new Map<string, string>();
      const checkedKeys = new Map<string, string>();
      for (let kill = 0; kill < KILLS; kill++) {
        const what = `WCT_CRASH_SEED=${SEED} kill ${kill}`;
        await killWriter(
          baseDir,
          { afterSaves: Math.floor(random() * 4), onNextChange: kill % 4 !== 3 },
          Math.floor(random() * 2 ** 31),
        );

        const files = await filesUnder(join(baseDir, "runs"));
        const hidden = files.filter((file) => file.split("/").pop()?.startsWith("."));
        leftoverTempFiles = Math.max(leftoverTempFiles, hidden.length);
        for (const file of files.filter((f) => !hidden.includes(f))) {
          const identity = await identityOf(file);
          if (checkedFiles.get(file) === identity) continue;
          const text = await readFile(file, "utf8");
          expect(parsesWhole(text), `${what}: ${file} is torn`).toBe(true);
          checkedFiles.set(file, identity);
        }

        const store = createFsStore({ baseDir });
        const keys = await store.listKeys(CHILD_RUN_ID);
        for (const key of keys) {
          expect(
            CHILD_KEYS.includes(key) || /^created\/\d+_\d+$/.test(key),
            `${what}: ${key}`,
          ).toBe(true);
          const identity = await identityOf(store.describe(CHILD_RUN_ID, key));
          if (checkedKeys.get(key) === identity) continue;
          expect(isCompleteValue(await store.getJson(CHILD_RUN_ID, key)), `${what}: ${key}`).toBe(
            true,
          );
          checkedKeys.set(key, identity);
        }
      }
      // Temporary files left behind prove some kills landed inside a write.
      expect(leftoverTempFiles, `WCT_CRASH_SEED=${SEED}`).toBeGreaterThan(0);
    },
    // Bounded, with room for a loaded machine and for soak runs of many trials.
    Math.max(120_000, KILLS * 20_000),
  );
});
