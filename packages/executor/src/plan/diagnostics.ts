import { closestMatch, type Diagnostic, type PositionLookup } from "@wct/runbook-schema";

/** Where diagnostics about one runbook file point: its name as shown and its positions. */
export interface DiagnosticTarget {
  /** File name as shown in diagnostics. */
  displayFile: string;
  locate: PositionLookup;
}

/**
 * Position of `path`, or of its nearest ancestor that has one (a property that is
 * absent is reported at `properties`, an input given as a scalar at `inputs`).
 */
export function positionOf(locate: PositionLookup, path: string): { line: number; column: number } {
  let current = path;
  for (;;) {
    let found: { line: number; column: number } | undefined;
    try {
      found = locate(current);
    } catch {
      found = undefined;
    }
    if (found) return found;
    if (current === "") return { line: 0, column: 0 };
    const dot = current.lastIndexOf(".");
    current = dot === -1 ? "" : current.slice(0, dot);
  }
}

/** Collects every problem found, so that all of them are reported at once. */
export class DiagnosticList {
  readonly items: Diagnostic[] = [];

  add(target: DiagnosticTarget, code: string, message: string, path: string, hint?: string): void {
    const { line, column } = positionOf(target.locate, path);
    const diagnostic: Diagnostic = { code, message, file: target.displayFile, line, column, path };
    if (hint !== undefined) diagnostic.hint = hint;
    this.items.push(diagnostic);
  }

  push(...diagnostics: Diagnostic[]): void {
    this.items.push(...diagnostics);
  }

  get size(): number {
    return this.items.length;
  }
}

/** `did you mean "x"?` for the closest candidate, if any. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const match = closestMatch(word, [...candidates]);
  return match === undefined ? undefined : `did you mean "${match}"?`;
}
