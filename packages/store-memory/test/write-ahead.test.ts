// A streamed writer takes large records ahead of their framing: write() resolves while a
// few lines are still on their way through the framing thread, and past that bound it
// waits. Driven through createStore over the memory driver, with a sink held shut.
import { createStore, type StoreDriver, StoreErrorCode } from "@wct/store-core";
import { describe, expect, it } from "vitest";
import { deferred } from "../../../test-utils/deferred.js";
import { completedMessage } from "../../../test-utils/messages.js";
import { createMemoryDriver } from "../src/index.js";

const RUN = "run-1";
const LAYOUT = { recordsField: "files", head: {} };
const envelope = () => ({ ...completedMessage({ id: "files", runId: RUN, content: null }) });

/** A file record whose text goes to the framing thread (`chars` long). */
const file = (i: number, chars: number) => ({ path: `f${i}.txt`, text: `${i}`.repeat(chars) });

/**
 * The memory driver, with every stream write held until `open()`; `written` settles at
 * the first write the sink is given, `fail` makes the held writes fail instead.
 */
function heldDriver() {
  const inner = createMemoryDriver();
  const gate = deferred();
  const written = deferred();
  let failure: Error | undefined;
  const driver: StoreDriver = {
    ...inner,
    async openWrite(runId, key, encoding) {
      const sink = await inner.openWrite!(runId, key, encoding);
      return {
        ...sink,
        async write(chunk) {
          written.resolve();
          await gate.promise;
          if (failure) throw failure;
          await sink.write(chunk);
        },
      };
    },
  };
  return {
    driver,
    written: written.promise,
    open: () => gate.resolve(),
    fail(error: Error) {
      failure = error;
      gate.resolve();
    },
  };
}

describe("writes ahead of the framing thread", () => {
  it("takes large records ahead while the store is held, and then makes the next one wait", async () => {
    const held = heldDriver();
    const store = createStore(held.driver, { codecs: [] });
    const writer = await store.openArtifactWriter(RUN, "files", envelope(), LAYOUT);
    // 1.5 MB each, more than the writer's 1 MB write-ahead: with the store held, no
    // line past the first reaches it. Four lines may be on their way, so the first four
    // writes resolve at once; the sixth waits for the second line, which the held store
    // keeps back (the fifth for the first, which may or may not have gone through).
    const records = Array.from({ length: 6 }, (_, i) => file(i, 1_500_000));
    const writes = records.map((record) => writer.write(record));
    let sixthSettled = false;
    writes[5]!.then(() => {
      sixthSettled = true;
    });
    await Promise.all(writes.slice(0, 4));
    await held.written;
    expect(sixthSettled).toBe(false);
    held.open();
    await writes[5];
    await writer.commit({});
    const reader = await store.openArtifactReader(RUN, "files");
    const back: unknown[] = [];
    for await (const record of reader.records("files")) back.push(record);
    expect(back).toEqual(records);
  });

  it("makes a record larger than the bound wait for its own line", async () => {
    const held = heldDriver();
    const store = createStore(held.driver, { codecs: [] });
    const writer = await store.openArtifactWriter(RUN, "files", envelope(), LAYOUT);
    // The first line passes to the held store; the second, 9 MiB, is stuck behind it.
    const first = writer.write(file(0, 1_500_000));
    let settled = false;
    const second = writer.write(file(1, 9 * 1024 * 1024)).then(() => {
      settled = true;
    });
    await first;
    await held.written;
    expect(settled).toBe(false);
    held.open();
    await second;
    expect((await writer.commit({})).records).toBe(2);
  });

  it("fails the commit with the store's error when a record taken ahead could not be stored", async () => {
    const held = heldDriver();
    const store = createStore(held.driver, { codecs: [] });
    const writer = await store.openArtifactWriter(RUN, "files", envelope(), LAYOUT);
    await writer.write(file(0, 1_500_000));
    await writer.write(file(1, 1_500_000));
    await held.written;
    held.fail(Object.assign(new Error("disk gone"), { code: "EIO" }));
    await expect(writer.commit({})).rejects.toMatchObject({ code: StoreErrorCode.Backend });
    await expect(store.openArtifactReader(RUN, "files")).rejects.toMatchObject({
      code: StoreErrorCode.ArtifactNotFound,
    });
  });

  it("fails the next write with the store's error once a record taken ahead could not be stored", async () => {
    const held = heldDriver();
    const store = createStore(held.driver, { codecs: [] });
    const writer = await store.openArtifactWriter(RUN, "files", envelope(), LAYOUT);
    await writer.write(file(0, 1_500_000));
    await held.written;
    held.fail(Object.assign(new Error("disk gone"), { code: "EIO" }));
    // Writes go on being taken until the failure is known; then each fails with it.
    let failed: unknown;
    for (let i = 1; i < 100 && failed === undefined; i++) {
      await writer.write(file(i, 1_500_000)).catch((error: unknown) => {
        failed = error;
      });
    }
    expect(failed).toMatchObject({ code: StoreErrorCode.Backend });
    await writer.abort();
  });
});
