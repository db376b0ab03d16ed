// Fails when a package's sources import each other in a cycle (relative imports inside
// packages/*/src and apps/*/src). Part of `pnpm lint`.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const IMPORT =
  /(?:import|export)\s[^"';]*?from\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;

function sources(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const roots = ["packages", "apps"].flatMap((top) =>
  existsSync(top) ? readdirSync(top).map((name) => join(top, name, "src")) : [],
);
const files = roots.flatMap(sources).map((f) => resolve(f));
const known = new Set(files);
const edges = new Map();
for (const file of files) {
  const targets = [];
  for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
    if (known.has(target)) targets.push(target);
  }
  edges.set(file, targets);
}

const state = new Map(); // 1 = on the stack, 2 = done
const stack = [];
const cycles = [];
function visit(file) {
  state.set(file, 1);
  stack.push(file);
  for (const next of edges.get(file) ?? []) {
    if (state.get(next) === 1) cycles.push([...stack.slice(stack.indexOf(next)), next]);
    else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(file, 2);
}
for (const file of files) if (!state.has(file)) visit(file);

if (cycles.length > 0) {
  for (const cycle of cycles)
    console.error(`import cycle: ${cycle.map((f) => relative(".", f)).join(" -> ")}`);
  process.exit(1);
}
console.log(`no import cycles in ${files.length} source files`);
