import { type ArtifactStore, createStore, type StoreDriver } from "@wct/store-core";

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A driver that keeps every run in process memory. Values are stored as bytes, so a
 * caller mutating an object after `save` or after `get` changes nothing stored.
 */
export function createMemoryDriver(): StoreDriver {
  const runs = new Map<string, Map<string, Uint8Array>>();
  const runOf = (runId: string) => {
    let run = runs.get(runId);
    if (!run) {
      run = new Map();
      runs.set(runId, run);
    }
    return run;
  };
  return {
    name: "memory",
    async read(runId, key) {
      const bytes = runs.get(runId)?.get(key);
      return bytes === undefined ? undefined : bytes.slice();
    },
    async write(runId, key, data) {
      runOf(runId).set(key, data.slice());
    },
    async create(runId, key, data) {
      const run = runOf(runId);
      if (run.has(key)) return false;
      run.set(key, data.slice());
      return true;
    },
    async replace(runId, key, expected, data) {
      const current = runs.get(runId)?.get(key);
      if (current === undefined || !sameBytes(current, expected)) return false;
      runOf(runId).set(key, data.slice());
      return true;
    },
    async size(runId, key) {
      return runs.get(runId)?.get(key)?.byteLength;
    },
    async remove(runId, key) {
      const run = runs.get(runId);
      if (!run?.delete(key)) return false;
      if (run.size === 0) runs.delete(runId);
      return true;
    },
    async list(runId, prefix) {
      return [...(runs.get(runId)?.keys() ?? [])].filter((k) => k.startsWith(prefix));
    },
    async listRuns() {
      return [...runs.keys()];
    },
    async clear(runId) {
      runs.delete(runId);
    },
    describe(runId, key) {
      return `memory:${runId}/${key}`;
    },
  };
}

/** An ArtifactStore that lives in process memory; nothing survives the process. */
export function createMemoryStore(): ArtifactStore {
  return createStore(createMemoryDriver());
}
