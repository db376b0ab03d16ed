import type { ReportFinding } from "./types.js";

/** Totals by type and category of the present findings, built as the stream passes. */
export class Totals {
  total = 0;
  suppressed = 0;
  absent = 0;
  readonly byType = new Map<string, number>();
  readonly byCategory = new Map<string, number>();
  readonly byState = new Map<string, number>();

  add(item: ReportFinding): void {
    if (item.state === "absent") {
      this.absent++;
      return;
    }
    this.total++;
    if (item.suppression) this.suppressed++;
    const { type, category } = item.finding;
    this.byType.set(type, (this.byType.get(type) ?? 0) + 1);
    this.byCategory.set(category, (this.byCategory.get(category) ?? 0) + 1);
    if (item.state) this.byState.set(item.state, (this.byState.get(item.state) ?? 0) + 1);
  }

  /** Entries sorted by count (descending), then name. */
  static sorted(map: Map<string, number>): Array<[string, number]> {
    return [...map].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  toJSON() {
    return {
      total: this.total,
      suppressed: this.suppressed,
      absent: this.absent,
      by_type: Object.fromEntries(Totals.sorted(this.byType)),
      by_category: Object.fromEntries(Totals.sorted(this.byCategory)),
      by_state: Object.fromEntries(Totals.sorted(this.byState)),
    };
  }
}

/** `path:line:col` of a file finding; `path table.column` (row) of a SQLite one. */
export function displayLocation(item: ReportFinding): {
  file: string;
  line: number | null;
  where: string;
} {
  const l = item.finding.location;
  if (l.kind === "file")
    return { file: l.path, line: l.line, where: `${l.path}:${l.line}:${l.column}` };
  const row = l.rowid === null ? "" : ` row ${l.rowid}`;
  return { file: l.path, line: null, where: `${l.path} ${l.table}.${l.column}${row}` };
}
