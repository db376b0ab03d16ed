import { runStoreConformance } from "@wct/store-conformance";
import { createStore, type StoreDriver } from "@wct/store-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMemoryDriver } from "../src/index.js";

// Tests run one at a time within a file, so one variable tracks the current driver.
let driver: StoreDriver = createMemoryDriver();

runStoreConformance({
  name: "memory",
  factory: () => {
    driver = createMemoryDriver();
    return createStore(driver);
  },
  reopen: (options) => createStore(driver, options),
  runner: { describe, it, expect, beforeEach, afterEach },
});
