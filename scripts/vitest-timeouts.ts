import { expect, vi } from "vitest";

// End-to-end files (`*.e2e.test.ts`) wait on child processes of the built binary
// (crash trials, signals, a second owner): they get longer timeouts than unit files,
// which share their workers. Vitest runs this before each file and resets the config
// after it.
if (expect.getState().testPath?.endsWith(".e2e.test.ts")) {
  vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });
}
