// `pnpm bench census`: what the rules report on third-party code nobody here wrote, the
// repository's installed dependencies (node_modules/.pnpm, .js/.ts/.json/.md files), or
// on the folder given in WCT_CENSUS_DIR. Prints counts by type, value findings and
// field-name findings apart, and scan time; never a matched value. Which of these
// findings are right is judged by hand on samples (see the README's "Measuring").
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { builtinRuleSet, scanText } from "../src/index.js";

const root = resolve(
  process.env.WCT_CENSUS_DIR ?? join(import.meta.dirname, "../../../node_modules/.pnpm"),
);
const files: string[] = [];
const walk = (dir: string) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.isFile() && /\.(?:js|ts|json|md)$/.test(entry.name)) files.push(full);
  }
};
walk(root);
files.sort();

const ruleSet = builtinRuleSet();
const byType: Record<string, number> = {};
const fieldsByCategory: Record<string, number> = {};
let bytes = 0;
let seconds = 0;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  bytes += text.length;
  const t0 = performance.now();
  const matches = scanText(text, { ruleSet, path: file });
  seconds += (performance.now() - t0) / 1000;
  for (const m of matches) {
    byType[m.type] = (byType[m.type] ?? 0) + 1;
    if (m.type === "field_name")
      fieldsByCategory[m.category] = (fieldsByCategory[m.category] ?? 0) + 1;
  }
}
const values = Object.entries(byType).filter(([t]) => t !== "field_name");
console.log(
  `\n${root}: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB, scanned in ${seconds.toFixed(2)} s`,
);
console.log(
  `value findings: ${values.reduce((a, [, n]) => a + n, 0)}  field-name findings: ${byType.field_name ?? 0}`,
);
console.log("\n| type | findings |\n|---|---:|");
for (const [type, n] of Object.entries(byType).sort(([a], [b]) => (a < b ? -1 : 1))) {
  console.log(`| ${type} | ${n} |`);
}
console.log("\n| field names holding | findings |\n|---|---:|");
for (const [category, n] of Object.entries(fieldsByCategory).sort(([a], [b]) => (a < b ? -1 : 1))) {
  console.log(`| ${category} | ${n} |`);
}
