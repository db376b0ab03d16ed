import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isStreamedContent, type ProgressReport } from "@wct/plugin-api";
import { describe, expect, it } from "vitest";
import { useTempDir } from "../../../test-utils/temp-dir.js";
import filesystemPlugin, {
  DEFAULT_EXCLUDE,
  filesystemConnector,
  filesystemProperties,
  SourceErrorCode,
} from "../src/index.js";
import { READ_AHEAD_FILES } from "../src/scan.js";
import { extract, recordingLog, writeTree } from "./helpers.js";

const temp = useTempDir("plugin-filesystem");

describe("plugin", () => {
  it("provides the filesystem connector producing file_content/1.0.0", () => {
    expect(filesystemPlugin.name).toBe("filesystem");
    expect(filesystemPlugin.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(filesystemPlugin.connectors).toEqual([filesystemConnector]);
    expect(filesystemConnector.type).toBe("filesystem");
    expect(filesystemConnector.outputSchema).toEqual({ name: "file_content", version: "1.0.0" });
  });
});

describe("properties", () => {
  it("applies defaults to everything but path", () => {
    expect(filesystemProperties.parse({ path: "." })).toEqual({
      path: ".",
      include: ["**/*"],
      exclude: [...DEFAULT_EXCLUDE],
      max_files: 10_000,
      max_file_size: 10 * 1024 * 1024,
      encoding: "utf-8",
    });
  });

  it("requires path", () => {
    const result = filesystemProperties.safeParse({});
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["path"]);
  });

  it("rejects unknown properties", () => {
    expect(filesystemProperties.safeParse({ path: ".", max_file: 3 }).success).toBe(false);
  });

  it("rejects an unsupported encoding and a max_files below 1", () => {
    expect(filesystemProperties.safeParse({ path: ".", encoding: "ebcdic" }).success).toBe(false);
    expect(filesystemProperties.safeParse({ path: ".", max_files: 0 }).success).toBe(false);
  });
});

describe("errors and cancellation", () => {
  it("fails with ERR_SOURCE_NOT_FOUND when path does not exist", async () => {
    await expect(extract({ path: "missing" }, { baseDir: temp.path })).rejects.toMatchObject({
      code: SourceErrorCode.NotFound,
    });
  });

  it("names the resolved path in the not-found message", async () => {
    await expect(extract({ path: "missing" }, { baseDir: temp.path })).rejects.toThrow(
      `${temp.path}/missing`,
    );
  });

  it("rejects with the abort reason when the signal is already aborted", async () => {
    await writeTree(temp.path, { "a.txt": "a" });
    const controller = new AbortController();
    const reason = new Error("stopped");
    controller.abort(reason);
    await expect(
      extract({ path: temp.path }, { baseDir: "/", signal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it("checks the signal between files and stops reading once aborted", async () => {
    await writeTree(temp.path, { "1.txt": "", "2.txt": "", "3.txt": "", "4.txt": "", "5.txt": "" });
    const controller = new AbortController();
    const reason = new Error("interrupted");
    // Aborts once the scan has looked at the signal three times, i.e. mid-walk.
    let checks = 0;
    const signal = new Proxy(controller.signal, {
      get(target, key) {
        if (key === "aborted" && ++checks === 3) controller.abort(reason);
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await expect(extract({ path: temp.path }, { baseDir: "/", signal })).rejects.toBe(reason);
    expect(checks).toBeLessThan(6);
  });
});

describe("filesystem connector streaming", () => {
  it("reads files a bounded window ahead of the record pulled, and reports progress", async () => {
    // Named so that the walk's order is their index order.
    const names = Array.from(
      { length: READ_AHEAD_FILES + 4 },
      (_, i) => `f${String(i).padStart(2, "0")}.txt`,
    );
    for (const name of names) await writeFile(join(temp.path, name), "same");
    const reports: ProgressReport[] = [];
    const out = await filesystemConnector.extract({
      properties: filesystemProperties.parse({ path: temp.path }),
      signal: new AbortController().signal,
      log: recordingLog().log,
      artifactId: "code",
      runId: "run-1",
      baseDir: "/",
      progress: (report) => reports.push(report),
    });
    if (!isStreamedContent(out)) throw new Error("expected streamed content");
    expect(out.recordsField).toBe("files");
    const iterator = out.records[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ path: names[0], text: "same" });
    // The first pull started reads of the first READ_AHEAD_FILES files, no more: files
    // past them are read only as records are pulled, so they are read as changed.
    const later = names.slice(READ_AHEAD_FILES);
    for (const name of later) await writeFile(join(temp.path, name), "changed");
    const rest: Array<{ path: string; text: string }> = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      rest.push(next.value as { path: string; text: string });
    }
    expect(rest.map((file) => file.path)).toEqual(names.slice(1));
    for (const file of rest.filter((f) => later.includes(f.path)))
      expect(file.text).toBe("changed");
    const bytes = 4 * READ_AHEAD_FILES + 7 * later.length;
    expect(await out.summary()).toMatchObject({
      coverage: { files_read: names.length, bytes_read: bytes },
    });
    expect(reports.at(-1)).toEqual({ items: names.length, bytes, unit: "files" });
  });
});
