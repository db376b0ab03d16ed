/** 1-based line and column of offsets in a text; line starts are found on first use. */
export class LineIndex {
  private starts: number[] | null = null;

  constructor(private readonly text: string) {}

  /** Line and column (UTF-16 code units, 1-based) of `offset`. */
  position(offset: number): { line: number; column: number } {
    const starts = this.lineStarts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  /** Start and end (exclusive, before the line break) of the line holding `offset`. */
  lineBounds(offset: number): { start: number; end: number } {
    const start = this.text.lastIndexOf("\n", offset - 1) + 1;
    let end = this.text.indexOf("\n", offset);
    if (end < 0) end = this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return { start, end };
  }

  private lineStarts(): number[] {
    if (this.starts) return this.starts;
    const starts = [0];
    let i = this.text.indexOf("\n");
    while (i >= 0) {
      starts.push(i + 1);
      i = this.text.indexOf("\n", i + 1);
    }
    this.starts = starts;
    return starts;
  }
}
