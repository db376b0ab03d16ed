import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  evaluateLabelledSet,
  formatEvalReport,
  parseLabels,
  scoreLines,
  scorePresidio,
} from "../src/index.js";

const CORPUS = fileURLToPath(new URL("../eval/corpus/labels.tsv", import.meta.url));

// Measured on the bundled corpus (code, config, logs, SQL, Markdown, an i18n table and a
// CSV, with look-alikes next to true values) when the rules were last changed. A rule
// change that loses any of this fails here; raise the floors when a change gains.
const FLOORS: Record<string, { precision: number; recall: number }> = {
  date_of_birth: { precision: 1, recall: 0.333 },
  email: { precision: 1, recall: 1 },
  field_name: { precision: 1, recall: 1 },
  iban: { precision: 1, recall: 1 },
  ip_address: { precision: 1, recall: 1 },
  payment_card: { precision: 1, recall: 1 },
  phone_number: { precision: 1, recall: 1 },
  uk_nino: { precision: 1, recall: 1 },
  us_ssn: { precision: 1, recall: 1 },
};

describe("the labelled corpus", () => {
  it("is scored at or above the measured precision and recall of every type", async () => {
    const report = await evaluateLabelledSet(CORPUS);
    expect(Object.keys(report.by_type).sort()).toEqual(Object.keys(FLOORS).sort());
    for (const [type, floor] of Object.entries(FLOORS)) {
      const score = report.by_type[type]!;
      expect({ type, precision: score.precision }).toEqual({
        type,
        precision: expect.toSatisfy((p: number) => p >= floor.precision),
      });
      expect({ type, recall: score.recall }).toEqual({
        type,
        recall: expect.toSatisfy((r: number) => r >= floor.recall),
      });
    }
  });
});

describe("scoreLines", () => {
  it("counts unlabelled findings against precision and missed labels against recall", () => {
    const files = [
      { path: "a.log", text: "from 81.2.69.160\nto jane.doe@mail.acme.io\nv 10.0.0.1" },
    ];
    const report = scoreLines(files, [
      { file: "a.log", line: 1, type: "ip_address" },
      { file: "a.log", line: 1, type: "email" },
    ]);
    expect(report.by_type.ip_address).toEqual({
      true_positives: 1,
      false_positives: 0,
      false_negatives: 0,
      precision: 1,
      recall: 1,
    });
    expect(report.by_type.email).toEqual({
      true_positives: 0,
      false_positives: 1,
      false_negatives: 1,
      precision: 0,
      recall: 0,
    });
  });
  it("refuses a label for a file that is not in the set", () => {
    expect(() => scoreLines([], [{ file: "x.ts", line: 1, type: "email" }])).toThrow(
      expect.objectContaining({ code: "ERR_EVAL_INPUT" }),
    );
  });
});

describe("parseLabels", () => {
  it("reads rows after comments and an optional header", () => {
    expect(parseLabels("# note\nfile\tline\ttype\nsrc/a.ts\t3\temail\n")).toEqual([
      { file: "src/a.ts", line: 3, type: "email" },
    ]);
  });
  it("refuses a row without a positive line number", () => {
    expect(() => parseLabels("src/a.ts\tzero\temail")).toThrow(
      expect.objectContaining({ code: "ERR_EVAL_INPUT" }),
    );
  });
});

describe("scorePresidio", () => {
  it("reads offsets as code points and matches spans by intersection over union", () => {
    // The emoji takes two UTF-16 units but one code point.
    const text = "😀 mail jane.doe@mail.acme.io, call +44 20 7946 0958";
    const at = (s: string) => [...text.slice(0, text.indexOf(s))].length;
    const span = (entity_type: string, value: string, extra = 0) => ({
      entity_type,
      entity_value: value,
      start_position: at(value),
      end_position: at(value) + [...value].length + extra,
    });
    const records = [
      {
        full_text: text,
        spans: [
          span("EMAIL_ADDRESS", "jane.doe@mail.acme.io"),
          span("PHONE_NUMBER", "+44 20 7946 0958"),
          span("PERSON", "jane"),
        ],
      },
    ];
    const report = scorePresidio(records);
    expect(report.by_type.email?.true_positives).toBe(1);
    expect(report.by_type.phone_number?.true_positives).toBe(1);
    expect(report.unscored_labels).toEqual({ PERSON: 1 });
    const loose = [{ full_text: text, spans: [span("EMAIL_ADDRESS", "jane.doe@mail.acme.io", 8)] }];
    expect(scorePresidio(loose).by_type.email?.false_negatives).toBe(1);
    expect(scorePresidio(loose, { iou: 0.5 }).by_type.email?.true_positives).toBe(1);
  });
  it("refuses records without full_text or spans", () => {
    expect(() => scorePresidio([{ text: "x" }])).toThrow(
      expect.objectContaining({ code: "ERR_EVAL_INPUT" }),
    );
  });
  it("formats one row per type with precision and recall", () => {
    const report = scorePresidio([{ full_text: "a", spans: [] }]);
    const lines = formatEvalReport(report).split("\n");
    expect(lines[0]).toMatch(/^TYPE\s+LABELLED\s+FOUND\s+MATCHED\s+PRECISION\s+RECALL$/);
    expect(lines).toHaveLength(1 + Object.keys(report.by_type).length);
  });
});
