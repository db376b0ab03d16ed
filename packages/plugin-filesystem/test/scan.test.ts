import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { useTempDir } from "../../../test-utils/temp-dir.js";
import { MAX_SKIPPED_FILES } from "../src/index.js";
import { type ReadMode, readModeOf, streamPath } from "../src/scan.js";
import { extract, link, paths, recordingLog, writeTree } from "./helpers.js";

const temp = useTempDir("plugin-filesystem");

describe("walking a folder", () => {
  it("reads every text file depth first in name order with /-separated relative paths", async () => {
    await writeTree(temp.path, {
      "b.txt": "bee",
      "a/z.py": "print('z')",
      "a/b/c.ts": "export {};",
      "C.md": "# upper case sorts first",
    });
    const content = await extract({ path: temp.path }, { baseDir: "/" });
    expect(paths(content)).toEqual(["C.md", "a/b/c.ts", "a/z.py", "b.txt"]);
    expect(content.files[3]).toEqual({ path: "b.txt", size: 3, encoding: "utf-8", text: "bee" });
  });

  it("gives the same result on repeated scans", async () => {
    await writeTree(temp.path, { "x/1.txt": "1", "x/2.txt": "2", "y.txt": "y" });
    const first = await extract({ path: temp.path }, { baseDir: "/" });
    const second = await extract({ path: temp.path }, { baseDir: "/" });
    expect(second).toEqual(first);
  });

  it("counts files and bytes read in coverage", async () => {
    await writeTree(temp.path, { "a.txt": "hello", "b.txt": "hi" });
    const { coverage } = await extract({ path: temp.path }, { baseDir: "/" });
    expect(coverage.files_read).toBe(2);
    expect(coverage.bytes_read).toBe(7);
    expect(coverage.skipped_files).toEqual([]);
  });

  it("reports root as the path property given, not the resolved one", async () => {
    await writeTree(temp.path, { "src/a.txt": "a" });
    const content = await extract({ path: "./src" }, { baseDir: temp.path });
    expect(content.root).toBe("./src");
  });

  it("resolves a relative path against the runbook folder", async () => {
    await writeTree(temp.path, { "project/app/main.py": "x = 1" });
    const content = await extract({ path: "app" }, { baseDir: `${temp.path}/project` });
    expect(paths(content)).toEqual(["main.py"]);
  });

  it.skipIf(process.platform === "win32")("ignores FIFOs instead of blocking on them", async () => {
    await writeTree(temp.path, { "a.txt": "a" });
    execFileSync("mkfifo", [join(temp.path, "pipe")]);
    const content = await extract({ path: temp.path }, { baseDir: "/" });
    expect(paths(content)).toEqual(["a.txt"]);
    expect(content.coverage.skipped_files).toEqual([]);
  });

  it("reads a single file when path names a file", async () => {
    await writeTree(temp.path, { "notes/todo.txt": "call Ann" });
    const content = await extract({ path: "notes/todo.txt" }, { baseDir: temp.path });
    expect(paths(content)).toEqual(["todo.txt"]);
  });
});

describe("globs", () => {
  beforeEach(async () => {
    await writeTree(temp.path, {
      "app.py": "",
      "src/index.ts": "",
      "src/util.ts": "",
      "src/util.test.ts": "",
      "docs/readme.md": "",
      ".env.example": "",
    });
  });

  it("reads only files matching include", async () => {
    const content = await extract({ path: temp.path, include: ["**/*.ts"] }, { baseDir: "/" });
    expect(paths(content)).toEqual(["src/index.ts", "src/util.test.ts", "src/util.ts"]);
  });

  it("reads files matching any of several include globs", async () => {
    const content = await extract(
      { path: temp.path, include: ["*.py", "docs/**"] },
      { baseDir: "/" },
    );
    expect(paths(content)).toEqual(["app.py", "docs/readme.md"]);
  });

  it("leaves out files matching exclude", async () => {
    const content = await extract(
      { path: temp.path, include: ["**/*.ts"], exclude: ["**/*.test.ts"] },
      { baseDir: "/" },
    );
    expect(paths(content)).toEqual(["src/index.ts", "src/util.ts"]);
  });

  it("prunes excluded folders", async () => {
    const content = await extract({ path: temp.path, exclude: ["src/**"] }, { baseDir: "/" });
    expect(paths(content)).toEqual([".env.example", "app.py", "docs/readme.md"]);
  });

  it("reads dotfiles", async () => {
    const content = await extract({ path: temp.path, include: [".env*"] }, { baseDir: "/" });
    expect(paths(content)).toEqual([".env.example"]);
  });

  it("excludes node_modules and .git by default", async () => {
    await writeTree(temp.path, {
      "node_modules/pkg/index.js": "",
      "src/node_modules/x.js": "",
      ".git/config": "",
    });
    const content = await extract(
      { path: temp.path, include: ["**/*.js", ".git/**"] },
      { baseDir: "/" },
    );
    expect(paths(content)).toEqual([]);
  });

  it("replaces the default excludes when exclude is given", async () => {
    await writeTree(temp.path, { "node_modules/pkg/index.js": "" });
    const content = await extract(
      { path: temp.path, include: ["**/*.js"], exclude: [] },
      { baseDir: "/" },
    );
    expect(paths(content)).toEqual(["node_modules/pkg/index.js"]);
  });
});

describe("limits", () => {
  it("stops reading at max_files and counts the rest as over_max_files", async () => {
    await writeTree(temp.path, { "1.txt": "", "2.txt": "", "3.txt": "", "4.txt": "" });
    const { files, coverage } = await extract({ path: temp.path, max_files: 2 }, { baseDir: "/" });
    expect(files.map((f) => f.path)).toEqual(["1.txt", "2.txt"]);
    expect(coverage.skipped.over_max_files).toBe(2);
    expect(coverage.skipped_files).toEqual([
      { path: "3.txt", reason: "over_max_files" },
      { path: "4.txt", reason: "over_max_files" },
    ]);
  });

  it("warns when max_files is reached", async () => {
    await writeTree(temp.path, { "1.txt": "", "2.txt": "" });
    const { log, lines } = recordingLog();
    await extract({ path: temp.path, max_files: 1 }, { baseDir: "/", log });
    expect(lines.filter((line) => line.level === "warn")).toHaveLength(1);
  });

  it("counts files over max_file_size as too_large without reading them", async () => {
    await writeTree(temp.path, { "small.txt": "12345", "big.txt": "123456" });
    const { files, coverage } = await extract(
      { path: temp.path, max_file_size: 5 },
      { baseDir: "/" },
    );
    expect(files.map((f) => f.path)).toEqual(["small.txt"]);
    expect(coverage.skipped.too_large).toBe(1);
    expect(coverage.bytes_read).toBe(5);
    expect(coverage.skipped_files).toEqual([{ path: "big.txt", reason: "too_large" }]);
  });

  it(`lists at most ${MAX_SKIPPED_FILES} skipped files but counts them all`, async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < MAX_SKIPPED_FILES + 5; i++) many[`f${String(i).padStart(4, "0")}`] = "";
    await writeTree(temp.path, many);
    const { coverage } = await extract({ path: temp.path, max_files: 1 }, { baseDir: "/" });
    expect(coverage.skipped.over_max_files).toBe(MAX_SKIPPED_FILES + 4);
    expect(coverage.skipped_files).toHaveLength(MAX_SKIPPED_FILES);
  });
});

describe("reading blocking or through the threadpool", () => {
  it("reads the same files, texts and coverage either way", async () => {
    // Longer than the first bytes read to tell text from binary: read in two reads.
    const long = "line of text\n".repeat(2000);
    await writeTree(temp.path, {
      "a.txt": "alpha",
      "b/c.md": "zoë",
      "b/d.bin": new Uint8Array([0x00, 0x01, 0x02]),
      "big.txt": "x".repeat(128 * 1024),
      "e.txt": long,
      "f.txt": "fox",
    });
    await link(temp.path, "b/to-a.txt", "../a.txt");
    const read = async (reads: ReadMode) => {
      const { files, coverage } = streamPath({
        rootPath: temp.path,
        include: ["**"],
        exclude: [],
        maxFiles: 5,
        maxFileSize: 64 * 1024,
        encoding: "utf-8",
        signal: new AbortController().signal,
        reads,
      });
      const texts: Array<{ path: string; text: string }> = [];
      for await (const file of files) texts.push({ path: file.path, text: file.text });
      return { texts, coverage };
    };
    const blocking = await read("blocking");
    expect(blocking.texts).toEqual([
      { path: "a.txt", text: "alpha" },
      { path: "b/c.md", text: "zoë" },
      { path: "e.txt", text: long },
    ]);
    expect(blocking.coverage.skipped).toMatchObject({ binary: 1, too_large: 1, over_max_files: 1 });
    expect(await read("threadpool")).toEqual(blocking);
  });

  it.skipIf(process.platform !== "linux")(
    "reads a local folder blocking on Linux, and through the threadpool when the folder cannot be checked",
    async () => {
      expect(await readModeOf(temp.path)).toBe("blocking");
      expect(await readModeOf(join(temp.path, "missing"))).toBe("threadpool");
    },
  );
});
