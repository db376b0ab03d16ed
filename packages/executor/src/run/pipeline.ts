import { type RecordInput, type StreamedContent, streamContent } from "@wct/plugin-api";
import { ExecutorError, ExecutorErrorCode } from "../errors.js";

/**
 * How many records a live consumer may lag behind its producer. A full queue makes the
 * producer wait: the slowest of the store and the live consumers sets the pace, and
 * memory holds at most this many records per consumer on top of the store's own bound.
 */
export const LIVE_QUEUE_RECORDS = 16;

/**
 * How long a live consumer may work through queued records without the event loop
 * taking a turn. Records already queued are handed over at once (no promise of their
 * own), so a consumer that works on each synchronously, such as a scan, would hold the
 * thread for as long as the queue lasts, and its producer's reads and writes complete
 * only between turns. Measured on a personal-data scan of a text tree: without the
 * turns the producer fell behind and the consumer waited for its next file about a
 * third of the time.
 */
export const LIVE_TURN_EVERY_MS = 1;

function settledLater<T>(): {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  // Nobody may ask for the summary of a feed that failed: not an unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * One producer's records on their way to one live consumer: a bounded queue. The
 * consumer reads it as a {@link RecordInput}; once it stops reading (it finished, failed
 * or asked for the summary first) the feed drops what comes, so it never holds the
 * producer back.
 */
export class LiveFeed {
  private queue: unknown[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private detached = false;
  private reading = false;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;
  private readonly closing = settledLater<Record<string, unknown>>();

  /**
   * Queues a record. `undefined` when it is queued at once; else a promise that
   * resolves once the queue had room (the backpressure). A million rows should not
   * cost a million promises when the consumer keeps up.
   */
  push(record: unknown): Promise<void> | undefined {
    if (this.detached || this.ended) return undefined;
    if (this.queue.length < LIVE_QUEUE_RECORDS) {
      this.queue.push(record);
      this.wake("consumer");
      return undefined;
    }
    return this.pushLater(record);
  }

  private async pushLater(record: unknown): Promise<void> {
    while (!this.detached && !this.ended && this.queue.length >= LIVE_QUEUE_RECORDS) {
      await new Promise<void>((resolve) => {
        this.wakeProducer = resolve;
      });
    }
    if (this.detached || this.ended) return;
    this.queue.push(record);
    this.wake("consumer");
  }

  /** The producer's records ended with this summary. */
  end(summary: Record<string, unknown>): void {
    if (this.ended) return;
    this.ended = true;
    this.closing.resolve(summary);
    this.wake("consumer");
  }

  /** The producer failed or was aborted: the consumer's next read throws `error`. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = { error };
    this.closing.reject(error);
    this.wake("producer");
    this.wake("consumer");
  }

  /** The consumer reads no more: what is queued and what comes is dropped. */
  detach(): void {
    this.detached = true;
    this.queue = [];
    this.wake("producer");
  }

  /** Records queued and not yet read (for tests of the bound). */
  get queued(): number {
    return this.queue.length;
  }

  private wake(side: "consumer" | "producer"): void {
    const wake = side === "consumer" ? this.wakeConsumer : this.wakeProducer;
    if (side === "consumer") this.wakeConsumer = undefined;
    else this.wakeProducer = undefined;
    wake?.();
  }

  /**
   * The consumer's iterator. Written by hand rather than as an async generator: a
   * queued record is handed over in one already-settled promise, where a generator
   * costs several per record (a database's million rows pass here).
   */
  private read(id: string): AsyncIterableIterator<unknown> {
    let started = false;
    let finished = false;
    let lastTurn = performance.now();
    // The clock is read every `stride` records, not each: a database's rows take
    // microseconds each, a file's text milliseconds. The stride doubles while no turn is
    // due when it is read, and halves when one was overdue.
    let stride = 1;
    let sinceCheck = 0;
    const done = (): IteratorResult<unknown> => ({ done: true, value: undefined });
    // Stopped early or finished: nothing more is read from this feed.
    const finish = () => {
      finished = true;
      this.detach();
    };
    const iterator: AsyncIterableIterator<unknown> = {
      next: () => {
        if (finished) return Promise.resolve(done());
        if (!started) {
          started = true;
          if (this.reading || this.detached) {
            finished = true;
            return Promise.reject(
              new ExecutorError(
                ExecutorErrorCode.ComponentFailed,
                `input "${id}" is read while it is being produced: its records can be read once, and not after its summary. Read records() in one loop, then summary() (docs/writing-a-plugin.md, "Large artifacts: streaming records").`,
              ),
            );
          }
          this.reading = true;
        }
        if (this.queue.length > 0) {
          const value = this.queue.shift();
          this.wake("producer");
          if (++sinceCheck < stride) return Promise.resolve({ done: false, value });
          sinceCheck = 0;
          const elapsed = performance.now() - lastTurn;
          if (elapsed < LIVE_TURN_EVERY_MS) {
            stride = Math.min(2 * stride, 256);
            return Promise.resolve({ done: false, value });
          }
          if (elapsed > 2 * LIVE_TURN_EVERY_MS) stride = Math.max(1, stride / 2);
          return new Promise((resolve) =>
            setImmediate(() => {
              lastTurn = performance.now();
              resolve({ done: false, value });
            }),
          );
        }
        return this.waitForRecord(finish).finally(() => {
          lastTurn = performance.now();
        });
      },
      return: () => {
        if (!finished) finish();
        return Promise.resolve(done());
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private async waitForRecord(finish: () => void): Promise<IteratorResult<unknown>> {
    for (;;) {
      if (this.queue.length > 0) {
        const value = this.queue.shift();
        this.wake("producer");
        return { done: false, value };
      }
      if (this.failure) {
        finish();
        throw this.failure.error;
      }
      if (this.ended) {
        finish();
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => {
        this.wakeConsumer = resolve;
      });
    }
  }

  /** The feed as the consumer's input, shaped as a stored input would be. */
  input(
    id: string,
    schema: RecordInput["schema"],
    source: string,
    content: StreamedContent,
  ): RecordInput {
    return {
      id,
      schema,
      source,
      recordsField: content.recordsField,
      head: content.head,
      records: (field) => {
        if (field !== undefined && field !== content.recordsField) {
          throw new ExecutorError(
            ExecutorErrorCode.ComponentFailed,
            `input "${id}" streams its records under ${JSON.stringify(content.recordsField)}, not ${JSON.stringify(field)}`,
          );
        }
        return this.read(id);
      },
      summary: () => {
        // Like a stored input's summary: records not read are skipped to reach it.
        if (!this.reading) this.detach();
        return this.closing.promise;
      },
    };
  }
}

/** What the pipeline unit needs from the run: which dependents may start now, and how. */
export interface PipelineHooks {
  /**
   * Dependents of `producer` that may read its records while it is written: not started,
   * reading their inputs as records, with every other input completed.
   */
  candidates(producer: number): number[];
  /** Starts `consumer` now (under the run's concurrency); `false` when it cannot. */
  start(consumer: number): boolean;
}

interface Live {
  producer: number;
  inputId: string;
  input: RecordInput;
  feed: LiveFeed;
}

/**
 * The streamed-artifact pipeline: while a producer's records go to the store, the
 * dependents that read them as records run at the same time, fed through a
 * {@link LiveFeed} each. No record is read back from the store, and no one waits for a
 * whole artifact.
 *
 * Completion order is kept: a consumer's output counts as completed only after its
 * producer's did ({@link Pipelines.upstreamCompleted}); when the producer fails or is
 * aborted, its consumers' feeds fail and they count as skipped, never completed.
 */
export class Pipelines {
  private readonly live = new Map<number, Live>();
  private readonly outcomes = new Map<number, ReturnType<typeof settledLater<boolean>>>();
  private readonly consumersOf = new Map<number, number[]>();

  constructor(private readonly hooks: PipelineHooks) {}

  /**
   * Tees `content` of `producer` to the dependents that can start now and starts them;
   * returns what the store should write (`content` itself when no one reads live).
   */
  tee(
    producer: number,
    inputId: string,
    meta: { schema: RecordInput["schema"]; source: string },
    content: StreamedContent,
  ): StreamedContent {
    const feeds: LiveFeed[] = [];
    for (const consumer of this.hooks.candidates(producer)) {
      const feed = new LiveFeed();
      const input = feed.input(inputId, meta.schema, meta.source, content);
      this.live.set(consumer, { producer, inputId, input, feed });
      if (this.hooks.start(consumer)) {
        feeds.push(feed);
        this.consumersOf.set(producer, [...(this.consumersOf.get(producer) ?? []), consumer]);
      } else {
        this.live.delete(consumer);
      }
    }
    if (feeds.length === 0) return content;
    this.outcomes.set(producer, settledLater<boolean>());
    const failAll = (error: unknown) => {
      for (const feed of feeds) feed.fail(error);
    };
    // By hand rather than an async generator, for the same reason as LiveFeed.read():
    // a record that every feed takes at once costs no promise of its own.
    // Opened by the first pull, inside the producer's containment: opening records may
    // run the component's code (a cursor's query), and the tee itself runs outside it.
    let source: AsyncIterator<unknown> | undefined;
    let ended = false;
    // A component's iterator that throws rather than rejects fails the feeds all the same.
    const pull = (): Promise<IteratorResult<unknown>> => {
      try {
        source ??= content.records[Symbol.asyncIterator]();
        return source.next();
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const records: AsyncIterableIterator<unknown> = {
      next: () =>
        pull().then(
          (result) => {
            if (result.done) {
              ended = true;
              return result;
            }
            const waits: Promise<void>[] = [];
            for (const feed of feeds) {
              const room = feed.push(result.value);
              if (room !== undefined) waits.push(room);
            }
            return waits.length === 0 ? result : Promise.all(waits).then(() => result);
          },
          (error: unknown) => {
            ended = true;
            failAll(error);
            throw error;
          },
        ),
      return: async () => {
        if (!ended) {
          ended = true;
          failAll(aborted(inputId));
        }
        await source?.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => records,
    };
    return streamContent({
      recordsField: content.recordsField,
      head: content.head,
      records,
      summary: async () => {
        try {
          const summary = await content.summary();
          for (const feed of feeds) feed.end(summary);
          return summary;
        } catch (error) {
          failAll(error);
          throw error;
        }
      },
    });
  }

  /** The live input `consumer` reads for `inputId`, if it was started early on it. */
  liveInput(consumer: number, inputId: string): RecordInput | undefined {
    const live = this.live.get(consumer);
    return live?.inputId === inputId ? live.input : undefined;
  }

  /** The consumer reads no more (it settled): its feed stops holding the producer back. */
  release(consumer: number): void {
    this.live.get(consumer)?.feed.detach();
  }

  /**
   * Records how `producer` ended (`completed` only once its completion is booked); a
   * failure fails the feeds of consumers still reading.
   */
  settle(producer: number, completed: boolean): void {
    const outcome = this.outcomes.get(producer);
    if (outcome === undefined) return;
    if (!completed) {
      for (const consumer of this.consumersOf.get(producer) ?? []) {
        this.live.get(consumer)?.feed.fail(aborted(this.live.get(consumer)!.inputId));
      }
    }
    this.consumersOf.delete(producer);
    outcome.resolve(completed);
  }

  /**
   * Whether the producer `consumer` read live completed; `true` when it read none live.
   * Waits for the producer to settle: the consumer's completion is booked after it.
   */
  async upstreamCompleted(consumer: number): Promise<{ completed: boolean; input?: string }> {
    const live = this.live.get(consumer);
    if (live === undefined) return { completed: true };
    this.live.delete(consumer);
    // Kept after settling: a consumer may ask after its producer ended.
    const outcome = this.outcomes.get(live.producer);
    const completed = outcome === undefined ? false : await outcome.promise;
    return { completed, input: live.inputId };
  }
}

function aborted(inputId: string): ExecutorError {
  return new ExecutorError(
    ExecutorErrorCode.UpstreamFailed,
    `input "${inputId}" stopped before all of its records were written`,
  );
}
