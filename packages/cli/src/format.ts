/** Formats milliseconds as `850ms`, `12.3s`, `4m05s`, `2h03m`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

// No column is padded wider than this: one long cell then overflows its own row only,
// instead of widening every row (which made output grow as rows × widest cell).
const MAX_PADDED_WIDTH = 48;

/**
 * A plain text table: a header row, then rows, columns padded to their widest cell up
 * to {@link MAX_PADDED_WIDTH}; the output grows linearly with the cells it holds.
 */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h) => Math.min(h.length, MAX_PADDED_WIDTH));
  for (const row of rows) {
    for (let i = 0; i < widths.length; i++) {
      const length = Math.min((row[i] ?? "").length, MAX_PADDED_WIDTH);
      if (length > (widths[i] as number)) widths[i] = length;
    }
  }
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const lines = [line(header)];
  for (const row of rows) lines.push(line(row));
  return `${lines.join("\n")}\n`;
}

/** One-line, length-bounded rendering of an error message for table cells. */
export function oneLine(text: string | null | undefined, max = 80): string {
  if (!text) return "";
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Pretty JSON with a trailing newline, for `--json`. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Bytes in decimal units: `512 B`, `1.5 kB`, `120 MB`, `3.2 GB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
