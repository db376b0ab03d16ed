import { spawn } from "node:child_process";
import { once } from "node:events";
import { watch } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bundleChild } from "../../../scripts/test-child.js";
import { completedMessage } from "../../../test-utils/messages.js";
import { createFsStore } from "../src/index.js";
import { STREAM_CHILD_RECORDS, STREAM_CHILD_RUN_ID } from "./fixtures/stream-writer-child.js";
import { useTempDir } from "./temp-dir.js";

const CHILD_SCRIPT = fileURLToPath(new URL("./fixtures/stream-writer-child.ts", import.meta.url));
// Every kill is the same moment (after a commit, as the next temp file appears); the
// second starts beside the first killed writer's temp file and leaves the final sweep
// two of them.
const KILLS = 2;

/** Starts the writer, waits for its first commit and then for its next temp file, kills it. */
async function killMidStream(baseDir: string): Promise<string[]> {
  const runDir = join(baseDir, "runs", STREAM_CHILD_RUN_ID);
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  const child = spawn(process.execPath, [await bundleChild(CHILD_SCRIPT), baseDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit");
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const digests: string[] = [];
  const watcher = watch(runDir);
  // stdout stays drained to the end, so the child never fails on a closed pipe.
  const firstCommit = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      digests.push(line.split(" ")[2] as string);
      resolve();
    });
  });
  try {
    await Promise.race([firstCommit, exited]);
    // The next artifact's temporary file appearing or growing: the child is mid-stream.
    for (;;) {
      const [, name] = (await Promise.race([once(watcher, "change"), exited])) as [
        string,
        string | undefined,
      ];
      if (name === undefined || name.endsWith(".tmp")) break;
    }
    child.kill("SIGKILL");
    const [, signal] = await exited;
    expect(signal, `the writer died on its own: ${stderr}`).toBe("SIGKILL");
  } finally {
    watcher.close();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  return digests;
}

describe("fs store streamed artifact crash safety", () => {
  const tmp = useTempDir("stream-crash");

  it("a writer killed mid-stream leaves the last committed artifact whole and its temp file is swept", async () => {
    const store = createFsStore({ baseDir: tmp.path });
    const runDir = join(tmp.path, "runs", STREAM_CHILD_RUN_ID);
    for (let kill = 0; kill < KILLS; kill++) {
      const committed = await killMidStream(tmp.path);
      const names = await readdir(runDir);
      expect(names.filter((name) => name.endsWith(".tmp")).length).toBeGreaterThan(0);
      expect(await store.listKeys(STREAM_CHILD_RUN_ID)).toEqual(["files"]);
      // The child may commit again between its first report and the kill.
      const digest = await store.digest(STREAM_CHILD_RUN_ID, "files");
      const reader = await store.openArtifactReader(STREAM_CHILD_RUN_ID, "files");
      let count = 0;
      for await (const _ of reader.records()) count++;
      expect(count).toBe(STREAM_CHILD_RECORDS);
      const { n } = (await reader.summary()) as { n: number };
      // The kill may land between a commit and its report; a reported one must match.
      if (committed[n] !== undefined) expect(digest).toBe(committed[n]);
    }
    const writer = await store.openArtifactWriter(
      STREAM_CHILD_RUN_ID,
      "files",
      completedMessage({
        id: "files",
        runId: STREAM_CHILD_RUN_ID,
        content: null,
        schema: { name: "x", version: "1" },
      }),
      { recordsField: "files" },
    );
    await writer.abort();
    expect((await readdir(runDir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  }, 60_000);
});
