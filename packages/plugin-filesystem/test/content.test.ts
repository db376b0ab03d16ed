import { describe, expect, it } from "vitest";
import { useTempDir } from "../../../test-utils/temp-dir.js";
import { extract, recordingLog, writeTree } from "./helpers.js";

const temp = useTempDir("plugin-filesystem");

const PNG_HEADER = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

describe("binary files", () => {
  it("skips a file with a NUL byte and counts it as binary", async () => {
    await writeTree(temp.path, { "logo.png": PNG_HEADER, "a.txt": "text" });
    const { files, coverage } = await extract({ path: temp.path }, { baseDir: "/" });
    expect(files.map((f) => f.path)).toEqual(["a.txt"]);
    expect(coverage.skipped.binary).toBe(1);
    expect(coverage.skipped_files).toEqual([{ path: "logo.png", reason: "binary" }]);
  });

  it("skips a file that is mostly invalid UTF-8 even without a NUL byte", async () => {
    const noise = Uint8Array.from({ length: 512 }, (_, i) => 0x80 + (i % 0x40));
    await writeTree(temp.path, { "blob.bin": noise });
    const { files, coverage } = await extract({ path: temp.path }, { baseDir: "/" });
    expect(files).toEqual([]);
    expect(coverage.skipped.binary).toBe(1);
  });

  it("keeps a text file with a few invalid UTF-8 bytes", async () => {
    const latin1 = Buffer.from(
      "name: Jürgen Müller, city: Köln, email: j.mueller@example.com",
      "latin1",
    );
    await writeTree(temp.path, { "people.txt": latin1 });
    const { files } = await extract({ path: temp.path }, { baseDir: "/" });
    expect(files[0]?.text).toContain("j.mueller@example.com");
  });

  it("reads a file with a NUL byte after the first 8 KB as text", async () => {
    await writeTree(temp.path, { "late.txt": `${"a".repeat(9000)}\u0000end` });
    const { files } = await extract({ path: temp.path }, { baseDir: "/" });
    expect(files.map((f) => f.path)).toEqual(["late.txt"]);
  });

  it("logs one summary line with the number of binary files skipped", async () => {
    await writeTree(temp.path, { "logo.png": PNG_HEADER, "a.txt": "text" });
    const { log, lines } = recordingLog();
    await extract({ path: temp.path }, { baseDir: "/", log });
    const info = lines.filter((line) => line.level === "info");
    expect(info).toHaveLength(1);
    expect(info[0]?.message).toMatch(/1 binary/);
    expect(info[0]?.fields).toMatchObject({ files_read: 1, skipped: { binary: 1 } });
  });
});

describe("encodings", () => {
  it("decodes UTF-8 and drops a byte-order mark", async () => {
    await writeTree(temp.path, { "a.txt": Buffer.from("\uFEFFZoë Ødegård", "utf8") });
    const { files } = await extract({ path: temp.path }, { baseDir: "/" });
    expect(files[0]).toMatchObject({ text: "Zoë Ødegård", encoding: "utf-8" });
  });

  it("decodes Latin-1 when encoding is latin1", async () => {
    await writeTree(temp.path, { "a.txt": Buffer.from("Straße 5, Köln", "latin1") });
    const { files } = await extract({ path: temp.path, encoding: "latin1" }, { baseDir: "/" });
    expect(files[0]).toMatchObject({ text: "Straße 5, Köln", encoding: "latin1" });
  });

  it("decodes UTF-16LE, whose ASCII text is half zero bytes, when encoding is utf-16le", async () => {
    await writeTree(temp.path, { "a.txt": Buffer.from("mail: ann@example.com", "utf16le") });
    const { files, coverage } = await extract(
      { path: temp.path, encoding: "utf-16le" },
      { baseDir: "/" },
    );
    expect(files[0]).toMatchObject({ text: "mail: ann@example.com", encoding: "utf-16le" });
    expect(coverage.skipped.binary).toBe(0);
  });

  it("still skips binary files when encoding is utf-16le", async () => {
    await writeTree(temp.path, { "a.bin": new Uint8Array(64) });
    const { coverage } = await extract({ path: temp.path, encoding: "utf-16le" }, { baseDir: "/" });
    expect(coverage.skipped.binary).toBe(1);
  });
});
