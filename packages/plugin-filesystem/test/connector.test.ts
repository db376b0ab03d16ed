import { afterEach, beforeEach, describe, expect, it } from "vitest";
import filesystemPlugin, {
  DEFAULT_EXCLUDE,
  filesystemConnector,
  filesystemProperties,
  SourceErrorCode,
} from "../src/index.js";
import { extract, makeTempDir, writeTree } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});

afterEach(async () => {
  await cleanup();
});

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
    await expect(extract({ path: "missing" }, { baseDir: dir })).rejects.toMatchObject({
      code: SourceErrorCode.NotFound,
    });
  });

  it("names the resolved path in the not-found message", async () => {
    await expect(extract({ path: "missing" }, { baseDir: dir })).rejects.toThrow(`${dir}/missing`);
  });

  it("rejects with the abort reason when the signal is already aborted", async () => {
    await writeTree(dir, { "a.txt": "a" });
    const controller = new AbortController();
    const reason = new Error("stopped");
    controller.abort(reason);
    await expect(extract({ path: dir }, { baseDir: "/", signal: controller.signal })).rejects.toBe(
      reason,
    );
  });

  it("checks the signal between files and stops reading once aborted", async () => {
    await writeTree(dir, { "1.txt": "", "2.txt": "", "3.txt": "", "4.txt": "", "5.txt": "" });
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
    await expect(extract({ path: dir }, { baseDir: "/", signal })).rejects.toBe(reason);
    expect(checks).toBeLessThan(6);
  });
});
