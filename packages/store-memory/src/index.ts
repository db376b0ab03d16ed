import { type ArtifactStore, createStore, type StoreDriver } from "@wct/store-core/backend";

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
  // Stream forms, as the chunks written with their encoding; a key lives in `runs` or
  // here, never both.
  const streams = new Map<string, Map<string, { encoding: string; chunks: Uint8Array[] }>>();
  const streamOf = (runId: string) => {
    let run = streams.get(runId);
    if (!run) {
      run = new Map();
      streams.set(runId, run);
    }
    return run;
  };
  const dropStream = (runId: string, key: string): boolean => {
    const run = streams.get(runId);
    if (!run?.delete(key)) return false;
    if (run.size === 0) streams.delete(runId);
    return true;
  };
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
      dropStream(runId, key);
    },
    async create(runId, key, data) {
      const run = runOf(runId);
      if (run.has(key) || streams.get(runId)?.has(key)) return false;
      run.set(key, data.slice());
      return true;
    },
    async replace(runId, key, expected, data) {
      const current = runs.get(runId)?.get(key);
      if (current === undefined || !sameBytes(current, expected)) return false;
      runOf(runId).set(key, data.slice());
      return true;
    },
    async remove(runId, key) {
      const streamed = dropStream(runId, key);
      const run = runs.get(runId);
      if (!run?.delete(key)) return streamed;
      if (run.size === 0) runs.delete(runId);
      return true;
    },
    async list(runId, prefix) {
      const keys = [...(runs.get(runId)?.keys() ?? []), ...(streams.get(runId)?.keys() ?? [])];
      return keys.filter((k) => k.startsWith(prefix));
    },
    async listRuns() {
      return [...new Set([...runs.keys(), ...streams.keys()])];
    },
    async listRunsReading(marker, key) {
      const ids = [...new Set([...runs.keys(), ...streams.keys()])];
      const holding = ids.filter((id) => runs.get(id)?.has(marker) === true);
      const values = new Map<string, Uint8Array>();
      for (const id of ids) {
        const bytes = runs.get(id)?.get(key);
        if (bytes !== undefined) values.set(id, bytes.slice());
      }
      return { runs: ids, holding, values };
    },
    async clear(runId) {
      runs.delete(runId);
      streams.delete(runId);
    },
    async openWrite(runId, key, encoding) {
      let chunks: Uint8Array[] | undefined = [];
      return {
        async write(chunk) {
          if (chunks === undefined) throw new Error("the write was aborted or committed");
          chunks.push(chunk.slice());
        },
        async commit() {
          if (chunks === undefined) throw new Error("the write was aborted or committed");
          // The swap is one synchronous step: readers see the old chunks or the new.
          streamOf(runId).set(key, { encoding, chunks });
          const run = runs.get(runId);
          if (run?.delete(key) && run.size === 0) runs.delete(runId);
          chunks = undefined;
        },
        async abort() {
          chunks = undefined;
        },
      };
    },
    async readStream(runId, key) {
      const stored = streams.get(runId)?.get(key);
      if (stored === undefined) return undefined;
      return {
        encoding: stored.encoding,
        chunks: (async function* () {
          for (const chunk of stored.chunks) yield chunk.slice();
        })(),
      };
    },
    async size(runId, key) {
      const bytes = runs.get(runId)?.get(key);
      if (bytes !== undefined) return bytes.length;
      return streams
        .get(runId)
        ?.get(key)
        ?.chunks.reduce((total, chunk) => total + chunk.length, 0);
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
