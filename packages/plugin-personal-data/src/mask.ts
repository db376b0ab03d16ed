import type { KeepMask } from "./types.js";

const isAlnum = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;

// Replaces the characters selected by `secret` with `*`, except the first `keepFirst`
// and last `keepLast` of them; everything else (separators) stays as written.
function maskChars(
  raw: string,
  keepFirst: number,
  keepLast: number,
  secret: (c: number) => boolean,
) {
  let total = 0;
  for (let i = 0; i < raw.length; i++) if (secret(raw.charCodeAt(i))) total++;
  // Never reveal the whole value, however short it is.
  const first = Math.min(keepFirst, Math.max(0, total - 1));
  const last = Math.min(keepLast, Math.max(0, total - 1 - first));
  let seen = 0;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (!secret(raw.charCodeAt(i))) {
      out += ch;
      continue;
    }
    out += seen < first || seen >= total - last ? ch : "*";
    seen++;
  }
  return out;
}

function maskEmail(raw: string): string {
  const at = raw.lastIndexOf("@");
  if (at <= 0) return maskChars(raw, 0, 0, isAlnum);
  return `${raw[0]}***${raw.slice(at)}`;
}

function maskIp(raw: string): string {
  const sep = raw.includes(":") ? ":" : ".";
  const parts = raw.split(sep);
  // The first non-empty group is kept (`2001:*::*`, `192.*.*.*`); `::` stays visible.
  let kept = false;
  return parts
    .map((p) => {
      if (p === "") return p;
      if (!kept) {
        kept = true;
        return p.includes(".") ? maskIp(p) : p;
      }
      return "*";
    })
    .join(sep);
}

function maskDate(raw: string): string {
  const year = /(?<!\d)(?:19|20)\d{2}(?!\d)/.exec(raw);
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const inYear = year !== null && i >= year.index && i < year.index + 4;
    out += inYear || !isAlnum(raw.charCodeAt(i)) ? raw[i] : "*";
  }
  return out;
}

/**
 * Masks a detected value by construction: what is kept depends on the type only, never
 * on the value. A card keeps its last 4 digits, an IBAN its country and last 4, an
 * e-mail its first character and domain, a phone its last 2 digits, an IP its first
 * octet or hextet, an SSN / NINO its last 3 characters, a date of birth its year;
 * field names are not personal data and are returned as they are. Unknown types are
 * fully masked unless `keep` says otherwise.
 */
export function maskValue(type: string, raw: string, keep?: KeepMask): string {
  if (keep) return maskChars(raw, keep.keep_first ?? 0, keep.keep_last ?? 0, isAlnum);
  switch (type) {
    case "field_name":
      return raw;
    case "payment_card":
      return maskChars(raw, 0, 4, isDigit);
    case "iban": {
      const country = raw.slice(0, 2);
      return country + maskChars(raw.slice(2), 0, 4, isAlnum);
    }
    case "email":
      return maskEmail(raw);
    case "phone_number":
      return maskChars(raw, 0, 2, isDigit);
    case "ip_address":
      return maskIp(raw);
    case "us_ssn":
    case "uk_nino":
      return maskChars(raw, 0, 3, isAlnum);
    case "date_of_birth":
      return maskDate(raw);
    default:
      return maskChars(raw, 0, 0, isAlnum);
  }
}

/**
 * The safety net of evidence context, for what no pattern matched whole (values cut by
 * the context edge, or run together): every digit, and anything touching an `@`.
 */
export function maskLeftovers(text: string): string {
  return text
    .replace(/\d/g, "*")
    .replace(/[A-Za-z0-9._%+-]*@[A-Za-z0-9.-]*/g, (s) => s.replace(/[A-Za-z0-9]/g, "*"));
}
