import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { StoreErrorCode } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import {
  createFsDriver,
  createFsStore,
  DEFAULT_BASE_DIR,
  type FsStoreOptions,
} from "../src/index.js";
import { RUN, useTempDir } from "./temp-dir.js";

const invalidOptions = { code: StoreErrorCode.InvalidOptions };

describe("fs store options", () => {
  const tmp = useTempDir("options");

  it("a base folder path that is a file gives ERR_STORE_OPTIONS", async () => {
    const file = join(tmp.path, "a-file");
    await writeFile(file, "");
    expect(() => createFsStore({ baseDir: file })).toThrow(expect.objectContaining(invalidOptions));
  });

  it("an unknown option gives ERR_STORE_OPTIONS", () => {
    const options = { baseDir: tmp.path, basedir: "typo" } as FsStoreOptions;
    expect(() => createFsStore(options)).toThrow(expect.objectContaining(invalidOptions));
  });

  it.each([
    ["an empty baseDir", { baseDir: "" }],
    ["a baseDir with NUL", { baseDir: "a\0b" }],
    ["a baseDir that is not a string", { baseDir: 42 }],
    ["a zero staleGuardMs", { staleGuardMs: 0 }],
    ["a non-finite staleGuardMs", { staleGuardMs: Number.POSITIVE_INFINITY }],
    ["options that are not an object", "base"],
  ])("%s gives ERR_STORE_OPTIONS", (_label, options) => {
    expect(() => createFsDriver(options as FsStoreOptions)).toThrow(
      expect.objectContaining(invalidOptions),
    );
  });

  it("the default base folder is .waivern in the working directory", () => {
    const store = createFsStore();
    expect(DEFAULT_BASE_DIR).toBe(".waivern");
    expect(store.describe(RUN, "a")).toBe(resolve(".waivern", "runs", RUN, "a.json"));
  });
});
