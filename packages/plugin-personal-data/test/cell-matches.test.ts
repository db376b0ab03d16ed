import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cellMatches,
  packCellMatches,
  packCells,
  scanCells,
  unpackCells,
} from "../src/cell-matches.js";
import { builtinRuleSet, scanText } from "../src/index.js";

const ruleSet = builtinRuleSet();
const settings = { ruleSet, minConfidence: 0.5 };

// Pieces of cell values that give matches with every kind of reason and tag: context
// words before and after, negative context, test values, validator tags, none at all.
const pieces = [
  "jane@corp.io",
  "test@example.com",
  "+44 20 7946 0958",
  "call 020 7946 0958",
  "192.168.1.10",
  "8.8.8.8",
  "version 1.2.3.4",
  "4539 5787 6362 1486",
  "4111 1111 1111 1111",
  "DE89 3704 0044 0532 0130 00",
  "078-05-1120",
  "born 1990-04-01",
  "regular order",
  "12345",
  "",
];
const prefixes = ["email: ", "phone number: ", "ssn: ", "note: ", "ip address: ", "id: "];

const cellArbitrary = fc
  .tuple(
    fc.constantFrom(...prefixes),
    fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 4 }),
    fc.string({ maxLength: 6 }),
  )
  .map(([prefix, parts, noise]) => ({
    text: prefix + parts.join(" ") + noise,
    from: prefix.length,
  }));

const direct = (text: string, from: number) =>
  scanText(text, { ruleSet, minConfidence: 0.5, fieldNames: false, from });

describe("packed cell matches", () => {
  it("unpack to the matches scanText finds in each cell, field by field", () => {
    fc.assert(
      fc.property(fc.array(cellArbitrary, { maxLength: 40 }), (cells) => {
        const texts = cells.map((c) => c.text);
        const froms = cells.map((c) => c.from);
        const packed = scanCells(settings, texts, froms);
        cells.forEach((cell, i) => {
          expect(cellMatches(packed, i)).toEqual(direct(cell.text, cell.from));
        });
      }),
      { seed: 20261130, numRuns: 200 },
    );
  });

  it("find matches with context, test values and tags in the sample cells", () => {
    // The property above is only as strong as its cells: they must give such matches.
    const all = pieces.flatMap((piece) => prefixes.flatMap((p) => direct(p + piece, p.length)));
    const reasons = new Set(all.flatMap((m) => m.reasons.map((r) => r.split(":")[0])));
    expect([...reasons]).toEqual(expect.arrayContaining(["pattern", "context"]));
    expect(all.some((m) => m.testValue)).toBe(true);
    expect(all.some((m) => (m.tags?.length ?? 0) > 0)).toBe(true);
  });

  it("give each match arrays of its own", () => {
    const text = "email: jane@corp.io";
    const packed = packCellMatches([direct(text, 7), direct(text, 7)], 2);
    const [a, b] = [cellMatches(packed, 0)[0]!, cellMatches(packed, 1)[0]!];
    expect(a).toEqual(b);
    expect(a.reasons).not.toBe(b.reasons);
  });

  it("keep lists apart that share their first strings", () => {
    const base = direct("email: jane@corp.io", 7)[0]!;
    const longer = { ...base, reasons: [...base.reasons, "context:mail"] };
    const many = { ...base, reasons: ["a", "b", "c", "d", "e", "f"], tags: ["x"] };
    const packed = packCellMatches([[base, longer, many, { ...base }]], 4);
    expect(cellMatches(packed, 0)).toEqual([base, longer, many, { ...base }]);
  });

  it("travel to the thread as cells that unpack to the same texts and offsets", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: "grapheme" }), fc.nat(20))), (cells) => {
        const texts = cells.map(([text]) => text);
        const froms = cells.map(([, from]) => from);
        const unpacked = unpackCells(packCells(texts, froms));
        expect(unpacked.texts).toEqual(texts);
        expect(Array.from(unpacked.froms)).toEqual(froms);
      }),
      { seed: 20261130, numRuns: 200 },
    );
  });
});
