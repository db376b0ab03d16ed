import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { useTempDir } from "../../../test-utils/temp-dir.js";
import { extract, link, paths, writeTree } from "./helpers.js";

const temp = useTempDir("plugin-filesystem");
let root: string;

beforeEach(async () => {
  root = join(temp.path, "root");
  await writeTree(temp.path, { "root/src/app.py": "x = 1", "outside/secret.txt": "do not read" });
});

describe("symbolic links", () => {
  it("refuses a link to a file outside the folder and counts it", async () => {
    await link(root, "leak.txt", "../outside/secret.txt");
    const { files, coverage } = await extract({ path: root }, { baseDir: "/" });
    expect(files.map((f) => f.path)).toEqual(["src/app.py"]);
    expect(coverage.skipped.excluded_links).toBe(1);
    expect(coverage.skipped_files).toEqual([{ path: "leak.txt", reason: "link_outside" }]);
  });

  it("refuses a link to a folder outside the folder", async () => {
    await link(root, "src/escape", join(temp.path, "outside"));
    const { files, coverage } = await extract({ path: root }, { baseDir: "/" });
    expect(files.every((f) => !f.text.includes("do not read"))).toBe(true);
    expect(coverage.skipped_files).toEqual([{ path: "src/escape", reason: "link_outside" }]);
  });

  it("refuses a link whose name starts like the folder but leaves it", async () => {
    await writeTree(temp.path, { "root-sibling/x.txt": "sibling" });
    await link(root, "sib", "../root-sibling");
    const { coverage } = await extract({ path: root }, { baseDir: "/" });
    expect(coverage.skipped.excluded_links).toBe(1);
  });

  it("follows a link to a file inside the folder that is otherwise not read", async () => {
    await writeTree(temp.path, { "root/.cache/data.txt": "cached" });
    await link(root, "data.txt", ".cache/data.txt");
    const { files } = await extract({ path: root, exclude: ["**/.cache/**"] }, { baseDir: "/" });
    expect(files.map((f) => f.path)).toContain("src/app.py");
    // The link target's own path is excluded, so the link does not bring it back.
    expect(files.map((f) => f.path)).not.toContain("data.txt");
  });

  it("reads an inside folder reached through a link once, under its own path", async () => {
    await link(root, "alias", "src");
    const { files, coverage } = await extract({ path: root }, { baseDir: "/" });
    expect(files.map((f) => f.path)).toEqual(["src/app.py"]);
    expect(coverage.skipped.excluded_links).toBe(0);
  });

  it("reads a file reached only through an inside link under the link's path", async () => {
    await writeTree(temp.path, { "root/build/out.txt": "built" });
    await link(root, "latest", "build/out.txt");
    const { files } = await extract(
      { path: root, include: ["src/**", "latest"] },
      { baseDir: "/" },
    );
    expect(files.map((f) => f.path)).toEqual(["src/app.py", "latest"]);
  });

  it("stops at a link to an ancestor folder", async () => {
    await link(root, "src/loop", "..");
    const { files } = await extract({ path: root }, { baseDir: "/" });
    expect(files.map((f) => f.path)).toEqual(["src/app.py"]);
  });

  it("stops at links that point at each other", async () => {
    await link(root, "a", "b");
    await link(root, "b", "a");
    const { files, coverage } = await extract({ path: root }, { baseDir: "/" });
    expect(files.map((f) => f.path)).toEqual(["src/app.py"]);
    expect(coverage.skipped.unreadable).toBe(2);
  });

  it("stops at a cycle of folder links", async () => {
    await writeTree(temp.path, { "root/x/1.txt": "one", "root/y/2.txt": "two" });
    await link(root, "x/to-y", "../y");
    await link(root, "y/to-x", "../x");
    const { files } = await extract({ path: root }, { baseDir: "/" });
    expect(files.map((f) => f.path)).toEqual(["src/app.py", "x/1.txt", "y/2.txt"]);
  });

  it("counts a broken link as unreadable", async () => {
    await link(root, "gone.txt", "missing.txt");
    const { coverage } = await extract({ path: root }, { baseDir: "/" });
    expect(coverage.skipped_files).toEqual([{ path: "gone.txt", reason: "unreadable" }]);
  });

  it("follows a path that is itself a link", async () => {
    await link(temp.path, "root-link", "root");
    const content = await extract({ path: "root-link" }, { baseDir: temp.path });
    expect(paths(content)).toEqual(["src/app.py"]);
    expect(content.coverage.skipped.excluded_links).toBe(0);
  });
});
