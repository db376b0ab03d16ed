import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runStoreConformance } from "@wct/store-conformance";
import { createStore } from "@wct/store-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFsDriver, createFsStore } from "../src/index.js";

// Tests run one at a time within a file, so one variable tracks the current folder.
let baseDir = "";

runStoreConformance({
  name: "fs",
  factory: async () => {
    baseDir = await mkdtemp(join(tmpdir(), "wct-store-fs-conformance-"));
    return createFsStore({ baseDir });
  },
  reopen: (options) => createStore(createFsDriver({ baseDir }), options),
  cleanup: () => rm(baseDir, { recursive: true, force: true }),
  runner: { describe, it, expect, beforeEach, afterEach },
});
