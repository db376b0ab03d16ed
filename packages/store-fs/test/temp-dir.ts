import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/** A fresh temporary folder per test, removed after it; read `.path` inside tests. */
export function useTempDir(label: string): { readonly path: string } {
  const dir = { path: "" };
  beforeEach(async () => {
    dir.path = await mkdtemp(join(tmpdir(), `wct-store-fs-${label}-`));
  });
  afterEach(async () => {
    await rm(dir.path, { recursive: true, force: true });
  });
  return dir;
}

export const RUN = "0190c2a4-7a1b-7c3d-8e4f-000000000001";
export const OTHER_RUN = "0190c2a4-7a1b-7c3d-8e4f-000000000002";
