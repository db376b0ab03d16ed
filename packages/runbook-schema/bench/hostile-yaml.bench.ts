// Parse cost of hostile runbooks (issue 14, item 5) against a plain runbook of similar
// size parsed in the same run: aliases nested 5 levels x10 over 500 and 2,000
// artifacts, and flow collections nested 1,000,000 levels. Prints times and ratios;
// never fails on timing.
import { performance } from "node:perf_hooks";
import { parseRunbook } from "../src/index.js";

function plain(n: number): string {
  const lines = ["name: t", "description: t", "artifacts:"];
  for (let i = 0; i < n; i++) {
    lines.push(`  art${i}:`, "    source:", "      type: numbers", "      properties: {p: 1}");
  }
  return `${lines.join("\n")}\n`;
}

function aliases(n: number): string {
  const lines = ["name: t", "description: t", "artifacts:", "  art0:", "    source:"];
  lines.push("      type: numbers", "      properties:");
  lines.push("        l0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]");
  for (let k = 1; k <= 5; k++) {
    lines.push(
      `        l${k}: &a${k} [${Array(10)
        .fill(`*a${k - 1}`)
        .join(", ")}]`,
    );
  }
  for (let i = 1; i < n; i++) {
    lines.push(`  art${i}:`, "    source:", "      type: numbers", "      properties: {p: *a5}");
  }
  return `${lines.join("\n")}\n`;
}

function deep(levels: number): string {
  return `name: t\ndescription: t\nartifacts: ${"[".repeat(levels)}${"]".repeat(levels)}\n`;
}

function time(text: string): { ms: number; mb: number; codes: string } {
  (globalThis as { gc?: () => void }).gc?.();
  const heap = process.memoryUsage().heapUsed;
  const start = performance.now();
  const result = parseRunbook(text, { file: "bench.yaml", env: {} });
  const ms = performance.now() - start;
  const mb = Math.max(0, process.memoryUsage().heapUsed - heap) / 2 ** 20;
  const codes = result.ok ? "ok" : [...new Set(result.diagnostics.map((d) => d.code))].join(",");
  return { ms, mb, codes };
}

time(plain(2000)); // warm-up: JIT and module loading
const baseline = time(plain(2000));
console.log(
  `baseline: plain runbook, 2,000 artifacts (${plain(2000).length} bytes): ${baseline.ms.toFixed(0)} ms`,
);
for (const [name, text] of [
  ["aliases 5 levels x10, 500 artifacts", aliases(500)],
  ["aliases 5 levels x10, 2,000 artifacts", aliases(2000)],
  ["flow nesting 1,000,000 levels", deep(1_000_000)],
] as const) {
  const r = time(text);
  console.log(
    `${name} (${text.length} bytes): ${r.ms.toFixed(0)} ms, ~${r.mb.toFixed(0)} MB heap, ${r.codes}; ${(r.ms / baseline.ms).toFixed(2)}x baseline`,
  );
}
