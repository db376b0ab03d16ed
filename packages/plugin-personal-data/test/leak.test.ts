import { describe, expect, it } from "vitest";
import {
  findPersonalData,
  personalDataProcessor,
  personalDataPropertiesSchema,
} from "../src/index.js";
import { databaseInput, fileInput } from "./helpers.js";
import { asRecordInput, materialise } from "./stream-helpers.js";

// Real-looking values of every built-in type (none is a well-known test value).
const RAW = [
  "jane.doe@corp-mail.io",
  "m.rossi@studio.it",
  "+44 20 7946 0958",
  "+1 (415) 555-2671",
  "(212) 555-7841",
  "07700900123",
  "81.2.69.160",
  "2a00:1450:4009:80b::200e",
  "4539 5787 6362 1486",
  "4539578763621486",
  "371449635398431",
  "GB29 NWBK 6016 1331 9268 19",
  "NL91ABNA0417164300",
  "536-22-1234",
  "536221234",
  "JG 10 37 52 A",
  "1985-03-12",
  "12 March 1985",
];

const compact = (v: string) => v.replace(/[\s().-]/g, "");

const corpus = [
  `const contact = { email: "${RAW[0]}", alt: "${RAW[1]}", phone: "${RAW[2]}" };`,
  `# call ${RAW[3]} or ${RAW[4]}, mobile: ${RAW[5]}; from ${RAW[6]} / ${RAW[7]}`,
  `card=${RAW[8]};backup=${RAW[9]};amex=${RAW[10]};iban=${RAW[11]};nl=${RAW[12]}`,
  `ssn ${RAW[13]} SSN: ${RAW[14]} NINO ${RAW[15]} dob: ${RAW[16]} born ${RAW[17]}`,
  RAW.join(" "),
  RAW.join(""),
].join("\n");

describe("no raw value leaks", () => {
  it("the serialised output of a corpus full of personal data holds none of its values", async () => {
    const output = await findPersonalData(
      [
        fileInput([{ path: "leaky.ts", text: corpus }]),
        databaseInput([
          {
            name: "people",
            columns: ["id", "email", "notes", "dob"],
            rows: RAW.map((value, i) => ({
              rowid: i + 1,
              values: {
                id: i + 1,
                email: RAW[0]!,
                notes: `${value} ${RAW.join(" ")}`,
                dob: RAW[16]!,
              },
            })),
          },
        ]),
      ],
      { evidence_context: 200, fingerprint_key: "leak-test-key-0123456789" },
    );
    expect(output.findings.length).toBeGreaterThan(RAW.length);
    const types = new Set(output.findings.map((f) => f.type));
    for (const type of [
      "email",
      "phone_number",
      "ip_address",
      "payment_card",
      "iban",
      "us_ssn",
      "uk_nino",
      "date_of_birth",
    ]) {
      expect(types).toContain(type);
    }
    const serialised = JSON.stringify(output);
    for (const value of RAW) {
      expect(serialised).not.toContain(value);
      expect(serialised).not.toContain(compact(value));
    }
  });

  it("error messages and logs never hold a scanned value", async () => {
    const lines: string[] = [];
    const log = {
      debug: (m: string, f?: object) => lines.push(m + JSON.stringify(f)),
      info: (m: string, f?: object) => lines.push(m + JSON.stringify(f)),
      warn: (m: string, f?: object) => lines.push(m + JSON.stringify(f)),
      error: (m: string, f?: object) => lines.push(m + JSON.stringify(f)),
    };
    await materialise(
      await personalDataProcessor.process({
        inputs: [asRecordInput(fileInput([{ path: "a.ts", text: corpus }]))],
        properties: personalDataPropertiesSchema.parse({}),
        signal: new AbortController().signal,
        log,
        artifactId: "findings",
        runId: "run",
        baseDir: "/tmp",
      }),
    );
    const error = await findPersonalData(
      [
        {
          id: "bad",
          schema: { name: "x", version: "1.0.0" },
          source: "s",
          content: { text: corpus },
        },
      ],
      {},
    ).catch((e: unknown) => e as Error);
    const text = lines.join("\n") + String((error as Error).message);
    for (const value of RAW) expect(text).not.toContain(value);
  });
});
