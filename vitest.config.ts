import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the `@wct/source`
// export condition, so tests need no prior build. End-to-end tests (`*.e2e.test.ts`)
// drive the built `wct` binary; their global setup builds it once.
const conditions = ["@wct/source", "node", "import", "module", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@wct/source"] } },
  test: {
    // .ci/run reads the JSON report to print "N passed, N failed".
    reporters: process.env.WCT_TEST_REPORT ? ["default", "json"] : ["default"],
    outputFile: process.env.WCT_TEST_REPORT ? { json: process.env.WCT_TEST_REPORT } : {},
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: [
            "packages/*/test/**/*.test.ts",
            "apps/*/test/**/*.test.ts",
            "examples/**/test/**/*.test.ts",
          ],
          exclude: ["**/*.e2e.test.ts", "**/node_modules/**"],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["packages/*/test/**/*.e2e.test.ts", "apps/*/test/**/*.e2e.test.ts"],
          globalSetup: ["./scripts/vitest-build.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
