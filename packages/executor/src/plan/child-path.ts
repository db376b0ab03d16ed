import { realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";

/**
 * Why a `child_runbook.path` is refused before looking at the disk, or undefined when
 * it is acceptable: it must be relative, `/`-separated and free of `..` segments
 * (`a..b.yaml` is fine, `sub/../x.yaml` is not).
 */
export function childPathProblem(path: string): string | undefined {
  if (path === "") return "is empty";
  if (path.includes("\0")) return "contains a NUL character";
  if (path.includes("\\")) return 'contains a backslash; use "/" to separate folders';
  if (path.startsWith("/") || isAbsolute(path) || /^[A-Za-z]:/.test(path)) {
    return "is absolute; give a path relative to the runbook's folder";
  }
  if (path.split("/").includes("..")) {
    return 'has a ".." segment; child runbooks must live inside the runbook\'s folder or a template path';
  }
  return undefined;
}

/** Where a child runbook path may be found: the parent's folder, then each template folder. */
export interface ChildSearchRoot {
  dir: string;
  /** Shown in messages (`the runbook's folder`, `template path "templates"`). */
  label: string;
}

export type ChildResolution =
  | { status: "found"; path: string; realPath: string }
  | { status: "escapes"; path: string; realPath: string; root: ChildSearchRoot }
  | { status: "not-found"; searched: string[] };

/**
 * Looks for `path` under each search root in order. The first root where it exists
 * decides: after resolving links the file must stay inside that root, or it is
 * refused (never silently looked for elsewhere).
 */
export async function resolveChildPath(
  path: string,
  roots: ReadonlyArray<ChildSearchRoot>,
): Promise<ChildResolution> {
  const searched: string[] = [];
  for (const root of roots) {
    const candidate = resolve(root.dir, path);
    searched.push(candidate);
    let isFile: boolean;
    try {
      isFile = (await stat(candidate)).isFile();
    } catch {
      continue;
    }
    if (!isFile) continue;
    const realPath = await realpath(candidate);
    let realRoot: string;
    try {
      realRoot = await realpath(root.dir);
    } catch {
      realRoot = resolve(root.dir);
    }
    if (!isInside(realPath, realRoot)) {
      return { status: "escapes", path: candidate, realPath, root };
    }
    return { status: "found", path: candidate, realPath };
  }
  return { status: "not-found", searched };
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`);
}
