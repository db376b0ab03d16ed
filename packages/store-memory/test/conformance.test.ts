import { runStoreConformance } from "@wct/store-conformance";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMemoryStore } from "../src/index.js";

runStoreConformance({
  name: "memory",
  factory: createMemoryStore,
  runner: { describe, it, expect, beforeEach, afterEach },
});
