import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the `@wct/source`
// export condition, so tests need no prior build. End-to-end tests (`*.e2e.test.ts`)
// drive the built `wct` binary; their global setup builds it once.
const conditions = ["@wct/source", "node", "import", "module", "default"];

const UNIT = [
  "packages/*/test/**/*.test.ts",
  "apps/*/test/**/*.test.ts",
  "examples/**/test/**/*.test.ts",
];
/**
 * Test files that run isolated (see the isolated project): those that call
 * vi.mock(), and those that bound the heap, which in a shared worker would also count
 * what other files left running (a bound of 32 MB was passed by 2 MB under load).
 */
const ISOLATED = [
  "packages/store-fs/test/list-unreadable.test.ts",
  "packages/store-fs/test/stream-memory.test.ts",
  "packages/executor/test/bounded-heap.test.ts",
];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@wct/source"] } },
  test: {
    // .ci/run reads the JSON report to print "N passed, N failed".
    reporters: process.env.WCT_TEST_REPORT ? ["default", "json"] : ["default"],
    outputFile: process.env.WCT_TEST_REPORT ? { json: process.env.WCT_TEST_REPORT } : {},
    // Two cores, and many tests wait on child processes or the disk: a worker more
    // than there are cores keeps both busy while one waits.
    maxWorkers: 3,
    // Transformed modules persist in node_modules/.experimental-vitest-cache, keyed by
    // content and config: a rerun (the usual test loop) transforms only what changed.
    experimental: { fsModuleCache: true },
    projects: [
      {
        extends: true,
        test: {
          // vi.mock() of a module replaces it in the worker's module cache, and a heap
          // bound measures the whole worker: such files get a process of their own each.
          // Named to sort before "unit": vitest queues projects by name, so these few
          // processes start first, beside the shared workers, instead of trailing them.
          name: "isolated",
          include: ISOLATED,
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: "unit",
          include: UNIT,
          exclude: ["**/node_modules/**", ...ISOLATED],
          // Files share their worker's module cache: importing the workspace (zod, yaml,
          // the executor, plugins) once per worker instead of once per file is most of
          // the CPU the unit tests used. Tests leave no global state behind (env stubs
          // are undone, in-process CLI calls restore process.env). End-to-end files
          // (`*.e2e.test.ts`) share the same workers: a project of their own would
          // start workers of its own, and its files would queue behind the others'.
          isolate: false,
          // The end-to-end files drive the built binary: built once before any file.
          globalSetup: ["./scripts/vitest-build.ts"],
          setupFiles: ["./scripts/vitest-timeouts.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
