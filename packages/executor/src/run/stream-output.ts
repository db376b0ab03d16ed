import type { StreamedContent } from "@wct/plugin-api";
import {
  type ArtifactStore,
  type ArtifactWriter,
  isStoreError,
  type Message,
  StoreErrorCode,
  type StreamCommit,
} from "@wct/store-core";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";
import type { ProgressTracker } from "./progress.js";

/**
 * A failure of the store while a streamed artifact was written: the run stops (as for
 * any store failure), unlike a component's own failure, which fails only its artifact.
 */
export class StoreWriteFailure extends Error {
  constructor(readonly failure: unknown) {
    super("the store failed while writing a streamed artifact", { cause: failure });
  }
}

/**
 * `work`, or a rejection with the signal's reason as soon as it aborts: a component that
 * ignores its signal settles late, and its result is dropped.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The work may still reject (a component that failed itself while aborting, such
    // as a contained process.exit): that is not an unhandled rejection.
    work.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

async function store<T>(artifactId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // A record, head or summary that is not JSON is the component's fault, not the store's.
    if (isStoreError(error) && error.code === StoreErrorCode.InvalidValue) {
      throw new ExecutorError(
        ExecutorErrorCode.InvalidOutput,
        `artifact "${artifactId}": the component streamed content that cannot be stored (${error.message}). Components must stream plain JSON records.`,
        { details: { artifact: artifactId }, cause: error },
      );
    }
    throw new StoreWriteFailure(error);
  }
}

/**
 * Stores streamed content record by record: it pulls a record from the component only
 * once the store took the previous one, so a slow store slows the producer and memory
 * holds about one record plus the store's bounded write-ahead. Commits atomically after
 * the summary; on any failure or abort the writer is aborted, so nothing half-written
 * counts as stored. A component's failure rejects with its own error, the store's with
 * {@link StoreWriteFailure}.
 */
export async function writeStreamedOutput(options: {
  store: ArtifactStore;
  runId: string;
  envelope: Message & { content: null };
  content: StreamedContent;
  signal: AbortSignal;
  progress?: ProgressTracker;
  /**
   * The final execution record, asked for once the summary is in: the trailer carries
   * it, so the stored artifact's duration covers its whole stream.
   */
  finalExecution?: () => Message["execution"];
}): Promise<StreamCommit & { closing: Record<string, unknown> }> {
  const { content, signal, progress } = options;
  signal.throwIfAborted();
  const writer: ArtifactWriter = await store(options.envelope.id, () =>
    options.store.openArtifactWriter(options.runId, options.envelope.id, options.envelope, {
      recordsField: content.recordsField,
      head: content.head,
    }),
  );
  const iterator = content.records[Symbol.asyncIterator]();
  let finished = false;
  const copyRecords = async () => {
    for (;;) {
      const next = await iterator.next();
      // Also stops a copy left behind by an abort (below) once its record comes: that
      // record is not written to the aborted writer.
      signal.throwIfAborted();
      if (next.done) {
        finished = true;
        return;
      }
      try {
        await writer.write(next.value);
      } catch (error) {
        await store(options.envelope.id, () => Promise.reject(error));
      }
      progress?.count(writer.records, writer.sourceBytes);
    }
  };
  try {
    // The whole copy is raced with the signal once, not each record: a component that
    // ignores its signal cannot hold the run, and a database's million rows do not pay
    // a million races (nor an abort listener added and removed for each).
    const copying = copyRecords();
    copying.catch(() => {});
    await abortable(copying, signal);
    const summary = await abortable(Promise.resolve(content.summary()), signal);
    signal.throwIfAborted();
    const execution = options.finalExecution?.();
    const committed = await store(options.envelope.id, () =>
      writer.commit(summary, execution === undefined ? undefined : { execution }),
    );
    progress?.count(writer.records, writer.sourceBytes);
    // The summary as the trailer holds it (what a reader's summary() gives back): the
    // commit took it, so it is JSON.
    const closing = JSON.parse(JSON.stringify(summary ?? {})) as Record<string, unknown>;
    return { ...committed, closing };
  } catch (error) {
    await writer.abort().catch(() => {});
    if (!finished) {
      // Lets the component close its files and cursors; it may be stuck, so not awaited.
      void Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {});
    }
    throw error;
  }
}
