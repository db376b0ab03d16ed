import {
  type ArtifactStore,
  type CreateStoreOptions,
  type Message,
  messageDigest,
  RUN_TOMBSTONE_KEY,
  StoreErrorCode,
} from "@wct/store-core";
// Type-only: the caller passes its own test runner, so a backend's tests decide the
// vitest instance and this package has no runtime dependency on it.
import type { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HOSTILE_KEYS, HOSTILE_RUN_IDS } from "./hostile.js";
import { conformanceMessage } from "./message.js";
import { registerStreamTests } from "./stream-suite.js";

/** The test-runner functions the suite registers its tests with (vitest's). */
export interface ConformanceRunner {
  describe: typeof describe;
  it: typeof it;
  expect: typeof expect;
  beforeEach: typeof beforeEach;
  afterEach: typeof afterEach;
}

/** What {@link runStoreConformance} needs to test one backend. */
export interface StoreConformanceOptions {
  /** Backend name shown in the suite's title (`fs`, `memory`). */
  name: string;
  /** Makes a fresh, empty store; called before every test. */
  factory: () => Promise<ArtifactStore> | ArtifactStore;
  /**
   * A second store over the same data as the store `factory` made last, created with
   * these options (`createStore(sameDriver, options)`): the cases where a stream written
   * with one codec stage is read by a store that writes with another (an older run read
   * by newer code) need it. Without it those cases fail, saying so; skip them with a
   * reason if the backend has no second handle on its data.
   */
  reopen?: (options: CreateStoreOptions) => Promise<ArtifactStore> | ArtifactStore;
  /**
   * Called after every test, after `store.close()`, to remove what the store left
   * (a temporary folder, a database).
   */
  cleanup?: (store: ArtifactStore) => Promise<void>;
  /** `{ describe, it, expect, beforeEach, afterEach }` from vitest. */
  runner: ConformanceRunner;
  /**
   * Tests this backend opts out of: test name → why. Every reason must be non-empty;
   * skipped tests are still listed, as `<name> — skipped: <reason>`. A name that is not
   * a test of the suite fails the suite, so a renamed test is never skipped silently.
   */
  skip?: Record<string, string>;
}

const RUN_A = "0190c2a4-7a1b-7c3d-8e4f-00000000000a";
const RUN_B = "0190c2a4-7a1b-7c3d-8e4f-00000000000b";
const RUN_C = "0190c2a4-7a1b-7c3d-8e4f-00000000000c";
const SLOW_TEST_MS = 60_000;

function message(id: string, content: unknown, runId = RUN_A): Message {
  return conformanceMessage(id, content, runId);
}

const streamEnvelope = { ...message("s", null), content: null } as Message & { content: null };

async function drain(pieces: AsyncIterable<string>): Promise<void> {
  for await (const _ of pieces) {
    // Only the error matters.
  }
}

// A third-party store might throw synchronously; turning every call into a promise
// lets one `rejects` assertion cover both.
function attempt(call: () => Promise<unknown>): Promise<unknown> {
  return Promise.resolve().then(call);
}

// Test names show hostile inputs escaped and shortened, so invisible characters are
// visible and a skip entry can be copied from the report.
function display(value: string): string {
  const escaped = JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return escaped.length <= 40 ? escaped : `${escaped.slice(0, 24)}…" (${value.length} chars)`;
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

interface LargeValue {
  writer: number;
  payload: string;
}

// Each writer repeats its own letter, so any mix of two writes is detectable.
function largeValue(writer: number, size: number): LargeValue {
  return { writer, payload: String.fromCharCode(65 + (writer % 26)).repeat(size) };
}

function isWholeLargeValue(value: unknown, size: number, writers: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  const { writer, payload } = value as Partial<LargeValue>;
  if (typeof writer !== "number" || writer < 0 || writer >= writers) return false;
  return payload === largeValue(writer, size).payload;
}

/**
 * Registers the conformance suite every ArtifactStore backend must pass: round trips,
 * missing keys, listing, clearing, run isolation, key and run-id rejection, concurrent
 * writers and the lease primitives (create-if-absent, compare-and-replace). Each test
 * gets a fresh store from `factory`.
 *
 * @example
 * import { afterEach, beforeEach, describe, expect, it } from "vitest";
 * runStoreConformance({ name: "memory", factory: createMemoryStore,
 *   runner: { describe, it, expect, beforeEach, afterEach } });
 */
export function runStoreConformance(options: StoreConformanceOptions): void {
  const { name, factory, reopen, cleanup, runner, skip = {} } = options;
  const { describe, it, expect, beforeEach, afterEach } = runner;

  for (const [testName, reason] of Object.entries(skip)) {
    if (typeof reason !== "string" || reason.trim() === "") {
      throw new Error(
        `runStoreConformance(${name}): skip of ${JSON.stringify(testName)} must name its reason`,
      );
    }
  }

  let current: ArtifactStore | undefined;
  const registered = new Set<string>();

  function test(
    testName: string,
    body: (store: ArtifactStore) => Promise<void>,
    timeoutMs?: number,
  ): void {
    if (registered.has(testName)) {
      throw new Error(`runStoreConformance: two tests are named ${JSON.stringify(testName)}`);
    }
    registered.add(testName);
    const reason = skip[testName];
    if (reason !== undefined) {
      it.skip(`${testName} — skipped: ${reason}`, () => {});
      return;
    }
    it(
      testName,
      async () => {
        if (current === undefined) throw new Error("the store factory did not run");
        await body(current);
      },
      timeoutMs,
    );
  }

  async function expectCode(call: () => Promise<unknown>, code: string, what: string) {
    await expect(attempt(call), what).rejects.toMatchObject({ code });
  }

  describe(`${name} store conformance`, () => {
    beforeEach(async () => {
      current = await factory();
    });

    afterEach(async () => {
      const store = current;
      current = undefined;
      if (store === undefined) return;
      await store.close();
      await cleanup?.(store);
    });

    describe("round trips", () => {
      test("a saved message reads back equal", async (store) => {
        const saved = message("a", { rows: [1, 2, 3], ok: true });
        await store.save(RUN_A, "a", saved);
        expect(await store.get(RUN_A, "a")).toEqual(saved);
      });

      test("a message reads back with its key order, extra fields and digest", async (store) => {
        const saved = { extra_field: { kept: true }, ...message("a", { z: 1, a: 2 }) };
        await store.save(RUN_A, "a", saved);
        const got = await store.get(RUN_A, "a");
        expect(Object.keys(got)).toEqual(Object.keys(saved));
        expect(Object.keys(got.content as object)).toEqual(["z", "a"]);
        expect(got["extra_field"]).toEqual({ kept: true });
        expect(messageDigest(got)).toBe(messageDigest(saved));
      });

      test("saveJson values of every JSON type read back equal", async (store) => {
        const values: Record<string, unknown> = {
          object: { a: 1, b: [true, null] },
          array: [1, "two", { three: 3 }],
          string: "text",
          empty_string: "",
          number: -12.5e-3,
          zero: 0,
          boolean: false,
          null: null,
        };
        for (const [key, value] of Object.entries(values)) await store.saveJson(RUN_A, key, value);
        for (const [key, value] of Object.entries(values)) {
          expect(await store.getJson(RUN_A, key), key).toEqual(value);
        }
      });

      test(
        "a 10 MB value round-trips",
        async (store) => {
          const rows = Array.from({ length: 10 * 1024 }, (_, i) => `${i}:`.padEnd(1024, "x"));
          await store.save(RUN_A, "big", message("big", rows));
          const got = (await store.get(RUN_A, "big")).content as string[];
          expect(got.length).toBe(rows.length);
          // Row by row: serialising both sides would cost more than the round trip.
          expect(got.findIndex((row, i) => row !== rows[i])).toBe(-1);
        },
        SLOW_TEST_MS,
      );

      test("non-ASCII content round-trips exactly", async (store) => {
        const content = {
          emoji: "😀 👩‍👩‍👧 🏳️‍🌈",
          arabic: "مرحبا بالعالم",
          hebrew: "שלום עולם",
          mixed_direction: "abc \u202eשלום\u202c def",
          cjk: "漢字かなカナ한국어",
          combining: "e\u0301 n\u0303",
          control_in_text: "nul\u0000 tab\t newline\n",
          lone_surrogate: "\ud800",
          clé_ünïcode: "valeur",
        };
        await store.save(RUN_A, "unicode", message("unicode", content));
        await store.saveJson(RUN_A, "unicode_json", content);
        expect((await store.get(RUN_A, "unicode")).content).toEqual(content);
        expect(await store.getJson(RUN_A, "unicode_json")).toEqual(content);
      });

      test("deeply nested JSON round-trips", async (store) => {
        let nested: unknown = { leaf: "bottom" };
        for (let depth = 0; depth < 200; depth++) {
          nested = depth % 2 === 0 ? { depth, child: nested } : [depth, nested];
        }
        await store.saveJson(RUN_A, "nested", nested);
        expect(await store.getJson(RUN_A, "nested")).toEqual(nested);
      });

      test("saving again replaces the previous value", async (store) => {
        await store.save(RUN_A, "a", message("a", "first"));
        await store.save(RUN_A, "a", message("a", "second"));
        expect((await store.get(RUN_A, "a")).content).toBe("second");
      });

      test("the longest key and every allowed key character are accepted", async (store) => {
        const longest = Array.from({ length: 4 }, (_, i) => String(i).repeat(127)).join("/");
        const characters = "Az09_.=+@-/_system/x.y";
        for (const key of [longest, characters]) {
          await store.saveJson(RUN_A, key, { key });
          expect(await store.getJson(RUN_A, key)).toEqual({ key });
        }
        expect(await store.listKeys(RUN_A)).toEqual([longest, characters].sort());
      });

      test("mutating a value after saving it changes nothing stored", async (store) => {
        const value = { rows: [1, 2] };
        await store.saveJson(RUN_A, "a", value);
        value.rows.push(3);
        expect(await store.getJson(RUN_A, "a")).toEqual({ rows: [1, 2] });
      });

      test("get of JSON that is not a message throws ERR_CORRUPT_ENTRY", async (store) => {
        await store.saveJson(RUN_A, "not_a_message", { hello: "world" });
        await expectCode(
          () => store.get(RUN_A, "not_a_message"),
          StoreErrorCode.CorruptEntry,
          "get",
        );
        expect(await store.getJson(RUN_A, "not_a_message")).toEqual({ hello: "world" });
      });

      test("describe names where a key lives", async (store) => {
        const where = store.describe(RUN_A, "_system/run");
        expect(typeof where).toBe("string");
        expect(where.length).toBeGreaterThan(0);
      });
    });

    describe("digests", () => {
      test("save resolves with the message's digest, and digest reads the same back", async (store) => {
        const saved = message("a", { text: "zoë ✓", n: [1, 2] });
        const digest = await store.save(RUN_A, "a", saved);
        expect(digest).toBe(messageDigest(saved));
        expect(await store.digest(RUN_A, "a")).toBe(digest);
      });

      test("the digest changes when the stored value changes", async (store) => {
        const first = await store.save(RUN_A, "a", message("a", 1));
        const second = await store.save(RUN_A, "a", message("a", 2));
        expect(second).not.toBe(first);
        expect(await store.digest(RUN_A, "a")).toBe(second);
      });

      test("digest of a missing key is undefined", async (store) => {
        expect(await store.digest(RUN_A, "missing")).toBeUndefined();
      });
    });

    describe("content as text", () => {
      const envelope = (id: string) => ({ ...message(id, null), content: null });
      const saveText = (store: ArtifactStore, key: string, contentJson: string) => {
        if (typeof store.saveMessageText !== "function") {
          throw new Error("stores made by createStore have saveMessageText");
        }
        return store.saveMessageText(RUN_A, key, envelope(key), contentJson);
      };

      test("saveMessageText stores the bytes save stores for the same message", async (store) => {
        const contents: unknown[] = [
          { z: 1, a: [true, null, -12.5e-3, "zoë ✓ 😀 \u2028 \ud800 \u0000"] },
          "text",
          0,
          null,
          [],
          Array.from({ length: 2048 }, (_, i) => `${i}\n"quoted"\t`.padEnd(512, "x")),
        ];
        for (const [i, content] of contents.entries()) {
          const key = `text_${i}`;
          const digest = await saveText(store, key, JSON.stringify(content));
          const saved = { ...envelope(key), content };
          expect(digest, key).toBe(messageDigest(saved));
          expect(await store.digest(RUN_A, key), key).toBe(digest);
          const got = await store.get(RUN_A, key);
          expect(got, key).toEqual(saved);
          expect(Object.keys(got), key).toEqual(Object.keys(envelope(key)));
          expect(await store.save(RUN_A, `${key}_saved`, { ...saved, id: key }), key).toBe(digest);
        }
      });

      test("saveMessageText keeps the envelope's key order and extra fields", async (store) => {
        const { content: _, ...rest } = message("a", null);
        const envelope = { extra: { kept: [1] }, ...rest, content: null, last: "x" } as const;
        await store.saveMessageText!(RUN_A, "a", envelope, '{"b":1,"a":2}');
        const got = await store.get(RUN_A, "a");
        expect(Object.keys(got)).toEqual(Object.keys(envelope));
        expect(got).toEqual({ ...envelope, content: { b: 1, a: 2 } });
      });

      test("saveMessageText refuses content text that is not one JSON value", async (store) => {
        const texts = [
          "",
          " ",
          "1,",
          '1,"run_id":"0190c2a4-7a1b-7c3d-8e4f-00000000000b"',
          "[1",
          '{"a":1}}',
          "{a:1}",
          '"\\x"',
          '"raw\ncontrol"',
          '"\ud800"',
          "01",
          "NaN",
          "undefined",
        ];
        for (const text of texts) {
          await expectCode(
            () => saveText(store, "a", text),
            StoreErrorCode.InvalidValue,
            JSON.stringify(text),
          );
        }
        expect(await store.exists(RUN_A, "a")).toBe(false);
      });

      test("saveMessageText refuses an envelope that is not a Message holding content null", async (store) => {
        const bad: unknown[] = [
          { ...envelope("a"), content: 1 },
          message("a", undefined),
          { ...envelope("a"), run_id: "" },
          { ...envelope("a"), execution: { status: "done" } },
        ];
        for (const [i, value] of bad.entries()) {
          await expectCode(
            () => store.saveMessageText!(RUN_A, "a", value as ReturnType<typeof envelope>, "1"),
            StoreErrorCode.InvalidValue,
            `envelope ${i}`,
          );
        }
        expect(await store.exists(RUN_A, "a")).toBe(false);
      });

      test("saveMessageText rejects a bad key or run id", async (store) => {
        await expectCode(
          () => store.saveMessageText!(RUN_A, "../escape", envelope("a"), "1"),
          StoreErrorCode.InvalidKey,
          "key",
        );
        await expectCode(
          () => store.saveMessageText!("../run", "a", envelope("a"), "1"),
          StoreErrorCode.InvalidRunId,
          "run id",
        );
      });
    });

    describe("missing keys", () => {
      test("get of a missing key throws ERR_ARTIFACT_NOT_FOUND", async (store) => {
        await store.saveJson(RUN_A, "present", 1);
        await expectCode(() => store.get(RUN_A, "absent"), StoreErrorCode.ArtifactNotFound, "get");
      });

      test("getJson of a missing key throws ERR_ARTIFACT_NOT_FOUND", async (store) => {
        await expectCode(
          () => store.getJson(RUN_A, "absent"),
          StoreErrorCode.ArtifactNotFound,
          "getJson",
        );
      });

      test("delete of a missing key throws ERR_ARTIFACT_NOT_FOUND", async (store) => {
        await expectCode(
          () => store.delete(RUN_A, "absent"),
          StoreErrorCode.ArtifactNotFound,
          "delete",
        );
      });

      test("exists of a missing key is false", async (store) => {
        expect(await store.exists(RUN_A, "absent")).toBe(false);
        await store.saveJson(RUN_A, "present", 1);
        expect(await store.exists(RUN_A, "present")).toBe(true);
        expect(await store.exists(RUN_A, "present/below")).toBe(false);
      });

      test("readJsonVersioned of a missing key is undefined", async (store) => {
        expect(await store.readJsonVersioned(RUN_A, "absent")).toBeUndefined();
      });

      test("a deleted key is missing for every read", async (store) => {
        await store.save(RUN_A, "a", message("a", 1));
        await store.saveJson(RUN_A, "b", 2);
        await store.delete(RUN_A, "a");
        expect(await store.exists(RUN_A, "a")).toBe(false);
        await expectCode(() => store.get(RUN_A, "a"), StoreErrorCode.ArtifactNotFound, "get");
        await expectCode(
          () => store.delete(RUN_A, "a"),
          StoreErrorCode.ArtifactNotFound,
          "second delete",
        );
        expect(await store.getJson(RUN_A, "b")).toBe(2);
      });

      test("keys of a run that never existed are missing", async (store) => {
        await expectCode(() => store.get(RUN_C, "a"), StoreErrorCode.ArtifactNotFound, "get");
        await expectCode(
          () => store.getJson(RUN_C, "a/b"),
          StoreErrorCode.ArtifactNotFound,
          "getJson",
        );
        await expectCode(() => store.delete(RUN_C, "a"), StoreErrorCode.ArtifactNotFound, "delete");
        expect(await store.exists(RUN_C, "a")).toBe(false);
        expect(await store.readJsonVersioned(RUN_C, "a")).toBeUndefined();
        expect(await store.listKeys(RUN_C)).toEqual([]);
      });
    });

    describe("listKeys", () => {
      const keys = [
        "_system/run",
        "_system/state",
        "_system/plan",
        "findings",
        "finder",
        "files",
        "a/findings",
        "nested/one",
        "nested/deeper/two",
      ];
      const seed = async (store: ArtifactStore) => {
        for (const key of keys) await store.saveJson(RUN_A, key, { key });
      };

      test("an empty prefix lists every key of the run, sorted", async (store) => {
        await seed(store);
        expect(await store.listKeys(RUN_A, "")).toEqual([...keys].sort());
        expect(await store.listKeys(RUN_A)).toEqual([...keys].sort());
      });

      test("the _system/ prefix lists only the system keys", async (store) => {
        await seed(store);
        expect(await store.listKeys(RUN_A, "_system/")).toEqual([
          "_system/plan",
          "_system/run",
          "_system/state",
        ]);
      });

      test("a partial name lists the keys that start with it", async (store) => {
        await seed(store);
        expect(await store.listKeys(RUN_A, "fin")).toEqual(["finder", "findings"]);
        expect(await store.listKeys(RUN_A, "f")).toEqual(["files", "finder", "findings"]);
        expect(await store.listKeys(RUN_A, "_sys")).toEqual([
          "_system/plan",
          "_system/run",
          "_system/state",
        ]);
      });

      test("nested keys are listed whole, under their folder prefix", async (store) => {
        await seed(store);
        expect(await store.listKeys(RUN_A, "nested/")).toEqual(["nested/deeper/two", "nested/one"]);
        expect(await store.listKeys(RUN_A, "nested/deeper")).toEqual(["nested/deeper/two"]);
        expect(await store.listKeys(RUN_A, "nested/o")).toEqual(["nested/one"]);
        expect(await store.listKeys(RUN_A, "a/")).toEqual(["a/findings"]);
      });

      test("a key and keys nested under the same name coexist", async (store) => {
        for (const key of ["a", "a/b", "a/b/c"]) await store.saveJson(RUN_A, key, key);
        expect(await store.listKeys(RUN_A)).toEqual(["a", "a/b", "a/b/c"]);
        expect(await store.listKeys(RUN_A, "a/")).toEqual(["a/b", "a/b/c"]);
        for (const key of ["a", "a/b", "a/b/c"]) {
          expect(await store.getJson(RUN_A, key)).toBe(key);
        }
      });

      test("keys are sorted whatever order they were saved in", async (store) => {
        // Twenty shuffled keys: a listing in save or directory order is sorted by chance
        // about once in 20! runs.
        const many = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, "0")}`);
        for (const key of shuffled(many)) await store.saveJson(RUN_A, key, 0);
        expect(await store.listKeys(RUN_A)).toEqual(many);
      });

      test("a prefix that matches nothing lists nothing", async (store) => {
        await seed(store);
        expect(await store.listKeys(RUN_A, "zzz")).toEqual([]);
        expect(await store.listKeys(RUN_A, "findings/")).toEqual([]);
        expect(await store.listKeys(RUN_A, "nested/deeper/two/")).toEqual([]);
      });

      test("a run without keys lists nothing", async (store) => {
        expect(await store.listKeys(RUN_A)).toEqual([]);
      });

      test("deleted keys are not listed", async (store) => {
        await seed(store);
        await store.delete(RUN_A, "findings");
        await store.delete(RUN_A, "nested/deeper/two");
        expect(await store.listKeys(RUN_A)).toEqual(
          keys.filter((k) => k !== "findings" && k !== "nested/deeper/two").sort(),
        );
      });
    });

    describe("listRuns", () => {
      test("an empty store lists no runs", async (store) => {
        expect(await store.listRuns()).toEqual([]);
      });

      test("runs with keys are listed once each, sorted", async (store) => {
        for (const runId of [RUN_C, RUN_A, RUN_B]) {
          await store.saveJson(runId, "_system/run", { run_id: runId });
          await store.saveJson(runId, "a", 1);
        }
        expect(await store.listRuns()).toEqual([RUN_A, RUN_B, RUN_C]);
      });

      test("a run whose keys were all deleted is not listed", async (store) => {
        await store.saveJson(RUN_A, "a", 1);
        await store.saveJson(RUN_B, "nested/b", 1);
        await store.delete(RUN_B, "nested/b");
        expect(await store.listRuns()).toEqual([RUN_A]);
      });

      test("a cleared run is not listed", async (store) => {
        await store.saveJson(RUN_A, "a", 1);
        await store.saveJson(RUN_B, "b", 1);
        await store.clear(RUN_A);
        expect(await store.listRuns()).toEqual([RUN_B]);
      });
    });

    describe("clear", () => {
      test("clearing one run leaves the other runs intact", async (store) => {
        for (const runId of [RUN_A, RUN_B, RUN_C]) {
          await store.save(runId, "a", message("a", runId, runId));
          await store.saveJson(runId, "_system/state", { run: runId });
        }
        await store.clear(RUN_B);
        for (const runId of [RUN_A, RUN_C]) {
          expect((await store.get(runId, "a")).content).toBe(runId);
          expect(await store.getJson(runId, "_system/state")).toEqual({ run: runId });
          expect(await store.listKeys(runId)).toEqual(["_system/state", "a"]);
        }
      });

      test("a cleared run has no keys and its values are gone", async (store) => {
        await store.saveJson(RUN_A, "a", 1);
        await store.saveJson(RUN_A, "nested/b", 2);
        await store.clear(RUN_A);
        expect(await store.listKeys(RUN_A)).toEqual([]);
        expect(await store.exists(RUN_A, "nested/b")).toBe(false);
        await expectCode(() => store.getJson(RUN_A, "a"), StoreErrorCode.ArtifactNotFound, "get");
      });

      test("clearing a run that never existed does nothing", async (store) => {
        await store.saveJson(RUN_A, "a", 1);
        await store.clear(RUN_C);
        expect(await store.listRuns()).toEqual([RUN_A]);
      });

      test("a cleared run can be written again", async (store) => {
        await store.saveJson(RUN_A, "nested/a", 1);
        await store.clear(RUN_A);
        await store.saveJson(RUN_A, "nested/a", 2);
        expect(await store.createJson(RUN_A, "_system/lock", { pid: 1 })).toBe(true);
        expect(await store.getJson(RUN_A, "nested/a")).toBe(2);
      });
    });

    describe("sizes", () => {
      test("size is the byte length of what is stored", async (store) => {
        await store.save(RUN_A, "a", message("a", "é and more"));
        await store.saveJson(RUN_A, "nested/b", { x: 1 });
        const stored = new TextEncoder().encode(JSON.stringify(message("a", "é and more")));
        expect(await store.size(RUN_A, "a")).toBe(stored.byteLength);
        expect(await store.size(RUN_A, "nested/b")).toBe('{"x":1}'.length);
      });

      test("size of a missing key is undefined", async (store) => {
        await store.saveJson(RUN_A, "a", 1);
        expect(await store.size(RUN_A, "b")).toBeUndefined();
        expect(await store.size(RUN_B, "a")).toBeUndefined();
      });

      test("size follows a replaced value", async (store) => {
        await store.saveJson(RUN_A, "a", "short");
        await store.saveJson(RUN_A, "a", "a much longer value");
        expect(await store.size(RUN_A, "a")).toBe('"a much longer value"'.length);
      });
    });

    describe("deleteRun", () => {
      test("a deleted run is gone and the other runs are intact", async (store) => {
        for (const runId of [RUN_A, RUN_B]) {
          await store.save(runId, "a", message("a", runId, runId));
          await store.saveJson(runId, "_system/state", { run: runId });
        }
        await store.deleteRun(RUN_A);
        expect(await store.listRuns()).toEqual([RUN_B]);
        expect(await store.listKeys(RUN_A)).toEqual([]);
        expect(await store.isDeleting(RUN_A)).toBe(false);
        expect(await store.listKeys(RUN_B)).toEqual(["_system/state", "a"]);
      });

      test("a run holding the tombstone is half-deleted and deleteRun finishes it", async (store) => {
        await store.saveJson(RUN_A, "a", 1);
        await store.saveJson(RUN_A, RUN_TOMBSTONE_KEY, { deleting_since: "2026-01-01T00:00:00Z" });
        expect(await store.isDeleting(RUN_A)).toBe(true);
        expect(await store.listRuns()).toEqual([RUN_A]);
        await store.deleteRun(RUN_A);
        expect(await store.listRuns()).toEqual([]);
      });

      test("scanRuns lists the runs and, among them, the half-deleted ones", async (store) => {
        await store.saveJson(RUN_A, "a", 1);
        await store.saveJson(RUN_B, "nested/b", 1);
        await store.saveJson(RUN_B, RUN_TOMBSTONE_KEY, { deleting_since: "2026-01-01T00:00:00Z" });
        expect(await store.scanRuns()).toEqual({ runs: [RUN_A, RUN_B], deleting: [RUN_B] });
      });

      test("scanRuns agrees with listRuns and isDeleting", async (store) => {
        await store.saveJson(RUN_A, RUN_TOMBSTONE_KEY, { deleting_since: "2026-01-01T00:00:00Z" });
        await store.saveJson(RUN_B, "a", 1);
        await store.saveJson(RUN_C, "x/_deleting", 1);
        const runs = await store.listRuns();
        const deleting: string[] = [];
        for (const runId of runs) if (await store.isDeleting(runId)) deleting.push(runId);
        expect(await store.scanRuns()).toEqual({ runs, deleting });
      });

      test("scanRunsReading agrees with scanRuns, getJson and size", async (store) => {
        await store.saveJson(RUN_A, "_system/run", { run: "a", n: 1 });
        await store.saveJson(RUN_B, "_system/run", { run: "b" });
        await store.saveJson(RUN_B, RUN_TOMBSTONE_KEY, { deleting_since: "2026-01-01T00:00:00Z" });
        await store.saveJson(RUN_C, "other", 1);
        const scan = await store.scanRunsReading("_system/run");
        expect({ runs: scan.runs, deleting: scan.deleting }).toEqual(await store.scanRuns());
        // A backend may read fewer runs in the pass (or none); what it read is exact.
        for (const [runId, read] of scan.values) {
          expect(read.value).toEqual(await store.getJson(runId, "_system/run"));
          expect(read.size).toBe(await store.size(runId, "_system/run"));
        }
        expect(scan.values.has(RUN_C)).toBe(false);
      });

      test("scanRunsReading rejects an invalid key", async (store) => {
        await expect(store.scanRunsReading("../run")).rejects.toMatchObject({
          code: StoreErrorCode.InvalidKey,
        });
      });

      test("deleting a run that does not exist does nothing", async (store) => {
        await store.saveJson(RUN_A, "a", 1);
        await store.deleteRun(RUN_C);
        expect(await store.listRuns()).toEqual([RUN_A]);
        expect(await store.isDeleting(RUN_C)).toBe(false);
      });

      test("a deleted run can be written again", async (store) => {
        await store.saveJson(RUN_A, "nested/a", 1);
        await store.deleteRun(RUN_A);
        await store.saveJson(RUN_A, "nested/a", 2);
        expect(await store.listKeys(RUN_A)).toEqual(["nested/a"]);
      });
    });

    describe("run isolation", () => {
      test("the same key in two runs holds two values", async (store) => {
        await store.save(RUN_A, "a", message("a", "from a", RUN_A));
        await store.save(RUN_B, "a", message("a", "from b", RUN_B));
        expect((await store.get(RUN_A, "a")).content).toBe("from a");
        expect((await store.get(RUN_B, "a")).content).toBe("from b");
      });

      test("deleting a key in one run leaves the other run's key", async (store) => {
        await store.saveJson(RUN_A, "a", 1);
        await store.saveJson(RUN_B, "a", 2);
        await store.delete(RUN_A, "a");
        expect(await store.getJson(RUN_B, "a")).toBe(2);
      });

      test("listKeys lists only the run's own keys", async (store) => {
        await store.saveJson(RUN_A, "only_a", 1);
        await store.saveJson(RUN_B, "only_b", 1);
        expect(await store.listKeys(RUN_A)).toEqual(["only_a"]);
        expect(await store.listKeys(RUN_B)).toEqual(["only_b"]);
      });

      test("createJson in one run does not block the same key in another", async (store) => {
        expect(await store.createJson(RUN_A, "_system/lock", { run: RUN_A })).toBe(true);
        expect(await store.createJson(RUN_B, "_system/lock", { run: RUN_B })).toBe(true);
        expect(await store.getJson(RUN_B, "_system/lock")).toEqual({ run: RUN_B });
      });
    });

    describe("key rejection", () => {
      for (const { label, value, validPrefix } of HOSTILE_KEYS) {
        test(`key with ${label} ${display(value)} is refused by every method`, async (store) => {
          const code = StoreErrorCode.InvalidKey;
          const calls: Record<string, () => Promise<unknown>> = {
            save: () => store.save(RUN_A, value, message("x", 1)),
            saveJson: () => store.saveJson(RUN_A, value, 1),
            get: () => store.get(RUN_A, value),
            getJson: () => store.getJson(RUN_A, value),
            exists: () => store.exists(RUN_A, value),
            digest: () => store.digest(RUN_A, value),
            delete: () => store.delete(RUN_A, value),
            createJson: () => store.createJson(RUN_A, value, 1),
            readJsonVersioned: () => store.readJsonVersioned(RUN_A, value),
            replaceJson: () => store.replaceJson(RUN_A, value, "0", 1),
            openArtifactWriter: () =>
              store.openArtifactWriter(RUN_A, value, streamEnvelope, { recordsField: "r" }),
            openArtifactReader: () => store.openArtifactReader(RUN_A, value),
            messageText: () => drain(store.messageText(RUN_A, value)),
            size: () => store.size(RUN_A, value),
          };
          if (!validPrefix) calls["listKeys"] = () => store.listKeys(RUN_A, value);
          for (const [method, call] of Object.entries(calls)) await expectCode(call, code, method);
          expect(await store.listRuns(), "nothing was stored").toEqual([]);
        });
      }
    });

    describe("run id rejection", () => {
      for (const { label, value } of HOSTILE_RUN_IDS) {
        test(`run id with ${label} ${display(value)} is refused by every method`, async (store) => {
          const code = StoreErrorCode.InvalidRunId;
          const calls: Record<string, () => Promise<unknown>> = {
            save: () => store.save(value, "a", message("a", 1)),
            saveJson: () => store.saveJson(value, "a", 1),
            get: () => store.get(value, "a"),
            getJson: () => store.getJson(value, "a"),
            exists: () => store.exists(value, "a"),
            digest: () => store.digest(value, "a"),
            delete: () => store.delete(value, "a"),
            listKeys: () => store.listKeys(value),
            clear: () => store.clear(value),
            createJson: () => store.createJson(value, "a", 1),
            readJsonVersioned: () => store.readJsonVersioned(value, "a"),
            replaceJson: () => store.replaceJson(value, "a", "0", 1),
            openArtifactWriter: () =>
              store.openArtifactWriter(value, "a", streamEnvelope, { recordsField: "r" }),
            openArtifactReader: () => store.openArtifactReader(value, "a"),
            messageText: () => drain(store.messageText(value, "a")),
            size: () => store.size(value, "a"),
          };
          for (const [method, call] of Object.entries(calls)) await expectCode(call, code, method);
          expect(await store.listRuns(), "nothing was stored").toEqual([]);
        });
      }
    });

    describe("concurrent writers", () => {
      test(
        "20 concurrent saves of large values to one key leave exactly one whole value",
        async (store) => {
          const writers = 20;
          // Two 64 KB reads each. A store writing values in place (an fsync between two
          // halves) failed here in 3 of 4 runs at 64 KB, 1 of 4 at 512 KB, and failed the
          // readers' race below in every run at either size.
          const size = 128 * 1024;
          await Promise.all(
            Array.from({ length: writers }, (_, writer) =>
              store.saveJson(RUN_A, "contended", largeValue(writer, size)),
            ),
          );
          const got = await store.getJson(RUN_A, "contended");
          expect(isWholeLargeValue(got, size, writers)).toBe(true);
          expect(await store.listKeys(RUN_A)).toEqual(["contended"]);
        },
        SLOW_TEST_MS,
      );

      test(
        "readers racing writers of one key see nothing or a whole value",
        async (store) => {
          const writers = 10;
          const size = 64 * 1024;
          let writing = true;
          const seen: unknown[] = [];
          const reader = async () => {
            while (writing) {
              const read = await store.readJsonVersioned(RUN_A, "contended");
              if (read !== undefined) seen.push(read.value);
            }
          };
          const readers = [reader(), reader()];
          await Promise.all(
            Array.from({ length: writers }, (_, writer) =>
              store.saveJson(RUN_A, "contended", largeValue(writer, size)),
            ),
          ).finally(() => {
            writing = false;
          });
          await Promise.all(readers);
          const torn = seen.filter((value) => !isWholeLargeValue(value, size, writers));
          expect(torn.length).toBe(0);
        },
        SLOW_TEST_MS,
      );

      test("concurrent saves to many new nested keys all land", async (store) => {
        const keys = Array.from({ length: 100 }, (_, i) => `group_${i % 7}/sub_${i % 3}/k${i}`);
        await Promise.all(keys.map((key) => store.saveJson(RUN_A, key, { key })));
        expect(await store.listKeys(RUN_A)).toEqual([...keys].sort());
        for (const key of keys) expect(await store.getJson(RUN_A, key)).toEqual({ key });
      });
    });

    describe("create-if-absent", () => {
      test("createJson raced by 50 callers lets exactly one win", async (store) => {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, caller) =>
            store.createJson(RUN_A, "_system/lock", { caller }),
          ),
        );
        const winners = results.flatMap((won, caller) => (won ? [caller] : []));
        expect(winners.length).toBe(1);
        expect(await store.getJson(RUN_A, "_system/lock")).toEqual({ caller: winners[0] });
        expect(await store.listKeys(RUN_A)).toEqual(["_system/lock"]);
      });

      test("createJson of an existing key returns false and keeps the value", async (store) => {
        await store.saveJson(RUN_A, "_system/lock", { owner: "first" });
        expect(await store.createJson(RUN_A, "_system/lock", { owner: "second" })).toBe(false);
        expect(await store.getJson(RUN_A, "_system/lock")).toEqual({ owner: "first" });
      });

      test("createJson succeeds again after the key is deleted", async (store) => {
        expect(await store.createJson(RUN_A, "_system/lock", { owner: "first" })).toBe(true);
        await store.delete(RUN_A, "_system/lock");
        expect(await store.createJson(RUN_A, "_system/lock", { owner: "second" })).toBe(true);
        expect(await store.getJson(RUN_A, "_system/lock")).toEqual({ owner: "second" });
      });
    });

    describe("compare-and-replace", () => {
      test("readJsonVersioned returns the value and a version that follows it", async (store) => {
        await store.saveJson(RUN_A, "k", { n: 1 });
        const first = await store.readJsonVersioned(RUN_A, "k");
        expect(first?.value).toEqual({ n: 1 });
        expect(typeof first?.version).toBe("string");
        await store.saveJson(RUN_A, "k", { n: 2 });
        const second = await store.readJsonVersioned(RUN_A, "k");
        expect(second?.value).toEqual({ n: 2 });
        expect(second?.version).not.toBe(first?.version);
      });

      test("replaceJson with a stale version fails and with the fresh one succeeds", async (store) => {
        await store.saveJson(RUN_A, "k", { n: 1 });
        const stale = await store.readJsonVersioned(RUN_A, "k");
        await store.saveJson(RUN_A, "k", { n: 2 });
        expect(await store.replaceJson(RUN_A, "k", stale!.version, { n: 3 })).toBe(false);
        expect(await store.getJson(RUN_A, "k")).toEqual({ n: 2 });
        const fresh = await store.readJsonVersioned(RUN_A, "k");
        expect(await store.replaceJson(RUN_A, "k", fresh!.version, { n: 3 })).toBe(true);
        expect(await store.getJson(RUN_A, "k")).toEqual({ n: 3 });
      });

      for (const racers of [2, 10]) {
        test(`of ${racers} replacers racing with one version exactly one wins`, async (store) => {
          await store.saveJson(RUN_A, "_system/lock", { owner: "dead" });
          const read = await store.readJsonVersioned(RUN_A, "_system/lock");
          const results = await Promise.all(
            Array.from({ length: racers }, (_, racer) =>
              store.replaceJson(RUN_A, "_system/lock", read!.version, { owner: racer }),
            ),
          );
          const winners = results.flatMap((won, racer) => (won ? [racer] : []));
          expect(winners.length).toBe(1);
          expect(await store.getJson(RUN_A, "_system/lock")).toEqual({ owner: winners[0] });
        });
      }

      test("replaceJson of a key that never existed returns false", async (store) => {
        const version = "0".repeat(64);
        expect(await store.replaceJson(RUN_A, "absent", version, 1)).toBe(false);
        expect(await store.exists(RUN_A, "absent")).toBe(false);
      });

      test("replaceJson of a deleted key returns false and does not recreate it", async (store) => {
        await store.saveJson(RUN_A, "k", 1);
        const read = await store.readJsonVersioned(RUN_A, "k");
        await store.delete(RUN_A, "k");
        expect(await store.replaceJson(RUN_A, "k", read!.version, 2)).toBe(false);
        expect(await store.exists(RUN_A, "k")).toBe(false);
      });

      test("a lease is taken, renewed, released and taken by another", async (store) => {
        const lock = "_system/lock";
        expect(await store.createJson(RUN_A, lock, { owner: "p1", beat: 0 })).toBe(true);
        expect(await store.createJson(RUN_A, lock, { owner: "p2", beat: 0 })).toBe(false);
        for (let beat = 1; beat <= 3; beat++) {
          const held = await store.readJsonVersioned(RUN_A, lock);
          expect(await store.replaceJson(RUN_A, lock, held!.version, { owner: "p1", beat })).toBe(
            true,
          );
        }
        expect(await store.getJson(RUN_A, lock)).toEqual({ owner: "p1", beat: 3 });
        await store.delete(RUN_A, lock);
        expect(await store.createJson(RUN_A, lock, { owner: "p2", beat: 0 })).toBe(true);
      });
    });

    describe("streamed artifacts", () => {
      registerStreamTests({
        test,
        expect,
        expectCode,
        runId: RUN_A,
        slowTestMs: SLOW_TEST_MS,
        reopen: async (options) => {
          if (reopen === undefined) {
            throw new Error(
              `runStoreConformance(${name}): this case reads one backend's data through two stores; pass \`reopen\`, or skip it with a reason`,
            );
          }
          return reopen(options);
        },
      });
    });

    describe("suite options", () => {
      it("every skipped test names a test of this suite", () => {
        const unknown = Object.keys(skip).filter((testName) => !registered.has(testName));
        expect(unknown, "skip names tests that do not exist").toEqual([]);
      });
    });
  });
}
