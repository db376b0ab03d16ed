// The seeded generator of mixed-text trees (ts, csv, log, md, json lines with personal
// data sprinkled at a low density) shared by the benchmarks that scan them: this
// package's scan.bench.ts (engine only) and apps/wct/bench/binary.bench.ts (the binary).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const hex = (r: Rand, n: number) => {
  let s = "";
  for (let i = 0; i < n; i++) s += "0123456789abcdef"[int(r, 0, 15)];
  return s;
};
const digits = (r: Rand, n: number) => {
  let s = "";
  for (let i = 0; i < n; i++) s += String(int(r, 0, 9));
  return s;
};

const WORDS = [
  "the",
  "system",
  "request",
  "handler",
  "returns",
  "value",
  "config",
  "service",
  "user",
  "order",
  "item",
  "cache",
  "timeout",
  "retry",
  "queue",
  "worker",
  "process",
  "status",
  "update",
  "create",
  "delete",
  "result",
  "error",
  "data",
  "report",
  "account",
  "session",
];
const NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"];

// Personal data, sprinkled at a low density.
function pii(r: Rand): string {
  switch (int(r, 0, 8)) {
    case 0:
      return `${pick(r, NAMES)}.${pick(r, NAMES)}${int(r, 1, 99)}@${pick(r, ["mail.com", "corp.io", "example.com"])}`;
    case 1:
      return `+44 20 ${digits(r, 4)} ${digits(r, 4)}`;
    case 2:
      return pick(r, ["4111 1111 1111 1111", "4539578763621486", "5555555555554444"]);
    case 3:
      return pick(r, ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"]);
    case 4:
      return `${int(r, 100, 599)}-${int(r, 10, 99)}-${int(r, 1000, 9999)}`;
    case 5:
      return `dob: ${int(r, 1, 28)}/${int(r, 1, 12)}/${int(r, 1940, 2005)}`;
    case 6:
      return `${int(r, 11, 223)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`;
    case 7:
      return `2001:db8:${hex(r, 4)}::${hex(r, 3)}`;
    default:
      return `(415) 555-${digits(r, 4)}`;
  }
}

const sentence = (r: Rand, n: number) => Array.from({ length: n }, () => pick(r, WORDS)).join(" ");
const iso = (r: Rand) =>
  `2024-${String(int(r, 1, 12)).padStart(2, "0")}-${String(int(r, 1, 28)).padStart(2, "0")}T${String(int(r, 0, 23)).padStart(2, "0")}:${String(int(r, 0, 59)).padStart(2, "0")}:${String(int(r, 0, 59)).padStart(2, "0")}.${digits(r, 3)}Z`;
const uuid = (r: Rand) => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;

const lineMakers: Record<string, (r: Rand) => string> = {
  ts: (r) =>
    pick(r, [
      () =>
        `  const ${pick(r, WORDS)}${pick(r, ["Id", "Count", "Name", "Total"])} = await ${pick(r, WORDS)}.${pick(r, WORDS)}(${int(r, 0, 9999)});`,
      () =>
        `  if (${pick(r, WORDS)}.status === ${int(r, 200, 504)}) return { ok: true, version: "${int(r, 1, 9)}.${int(r, 0, 20)}.${int(r, 0, 99)}" };`,
      () => `  // ${sentence(r, int(r, 4, 12))}`,
      () =>
        `  const createdAt = ${1_600_000_000_000 + int(r, 0, 99_999_999)}; const sha = "${hex(r, 40)}";`,
      () => `  logger.info("${sentence(r, 5)}", { id: "${uuid(r)}", ms: ${int(r, 1, 999)} });`,
    ])() +
    (r() < 0.05
      ? `\n  user.email = normalize(input.${pick(r, ["email", "phone", "address", "firstName"])});`
      : ""),
  csv: (r) =>
    `${int(r, 1, 999999)},${pick(r, NAMES)},${pick(r, WORDS)},${int(r, 1, 999)}.${digits(r, 2)},${iso(r)},${uuid(r)}`,
  log: (r) =>
    `${iso(r)} ${pick(r, ["INFO", "WARN", "DEBUG", "ERROR"])} [${pick(r, WORDS)}-${int(r, 1, 16)}] ${sentence(r, int(r, 3, 9))} path=/api/v${int(r, 1, 3)}/${pick(r, WORDS)}/${int(r, 1, 99999)} status=${int(r, 200, 504)} took=${int(r, 1, 2000)}ms`,
  md: (r) =>
    pick(r, [
      () => `${sentence(r, int(r, 8, 20))}.`,
      () => `## ${sentence(r, 3)}`,
      () => `- ${sentence(r, int(r, 3, 8))} (v${int(r, 1, 9)}.${int(r, 0, 9)}.${int(r, 0, 9)})`,
      () => "",
    ])(),
  json: (r) =>
    `  {"id": ${int(r, 1, 9_999_999)}, "key": "${pick(r, WORDS)}", "sha": "${hex(r, 40)}", "ts": "${iso(r)}", "amount": ${int(r, 0, 9999)}.${digits(r, 2)}},`,
};

/** Writes about `totalBytes` of text files under `dir`; the same seed gives the same tree. */
export function generateTree(
  dir: string,
  totalBytes: number,
  seed: number,
): { files: string[]; bytes: number } {
  const r = rng(seed);
  const files: string[] = [];
  let bytes = 0;
  let n = 0;
  const kinds = Object.keys(lineMakers);
  while (bytes < totalBytes) {
    const kind = kinds[n % kinds.length]!;
    const sub = join(dir, `d${n % 37}`);
    mkdirSync(sub, { recursive: true });
    const size = int(r, 20_000, 200_000);
    const lines: string[] = [];
    let len = 0;
    while (len < size) {
      let line = lineMakers[kind]!(r);
      // About one value in 60 lines (a few per 10 KB).
      if (r() < 1 / 60) line += ` ${pick(r, ["contact", "ref", "note"])}: ${pii(r)}`;
      lines.push(line);
      len += line.length + 1;
    }
    const text = lines.join("\n");
    const file = join(sub, `f${n}.${kind}`);
    writeFileSync(file, text);
    files.push(file);
    bytes += Buffer.byteLength(text);
    n++;
  }
  return { files, bytes };
}
