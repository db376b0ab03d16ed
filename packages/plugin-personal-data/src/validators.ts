import { issuerOf } from "./iin.js";
import type { NormalizerName, ValidatorName } from "./types.js";

/** Outcome of a validator that accepted a value. */
export interface Validation {
  /** Reasons added to the finding (`validator:luhn`). */
  reasons: string[];
  /** Added to the rule's confidence (negative for weak shapes). */
  adjust?: number;
  /** Tags added to the finding (`infrastructure`). */
  tags?: string[];
}

export type Validator = (value: string) => Validation | null;

const ok = (...reasons: string[]): Validation => ({ reasons });

/** Luhn (mod 10) check over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** IBAN length by country (ISO 13616 registry). */
// biome-ignore format: a table reads better compact
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29,
  BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29,
  ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28,
  LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20,
  MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, QA: 29,
  RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23,
  ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/** ISO 7064 mod-97-10 over an IBAN without spaces (upper case). */
export function ibanMod97Valid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

function parseIpv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === "0")) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Parses an IPv6 address (with `::` and an embedded IPv4 tail) into 8 hextets. */
export function parseIpv6(s: string): number[] | null {
  if (s.length < 2 || s.length > 45) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const side = (part: string): number[] | null => {
    if (part === "") return [];
    const groups = part.split(":");
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && g.includes(".")) {
        const v4 = parseIpv4(g);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) {
        out.push(Number.parseInt(g, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = side(halves[0]!);
  if (!head) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  if (halves[0]!.includes(".")) return null;
  const tail = side(halves[1]!);
  if (!tail || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

const currentYear = new Date().getUTCFullYear();

function validYmd(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > currentYear || m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

// biome-ignore format: a table reads better compact
const MONTHS = [
  "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/** Reads a date in one of the supported shapes; `null` when it is no calendar date. */
export function parseDate(raw: string): { y: number; m: number | null; d: number | null } | null {
  let match = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(raw);
  if (match) {
    const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
    return validYmd(y, m, d) ? { y, m, d } : null;
  }
  match = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(raw);
  if (match) {
    const [a, b, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const dm = validYmd(y, b, a);
    const md = validYmd(y, a, b);
    if (dm && md) return a === b ? { y, m: a, d: a } : { y, m: null, d: null };
    if (dm) return { y, m: b, d: a };
    if (md) return { y, m: a, d: b };
    return null;
  }
  const words = raw.toLowerCase().replace(/[.,]/g, " ").split(/\s+/).filter(Boolean);
  let y = 0;
  let m = 0;
  let d = 0;
  for (const w of words) {
    const n = /^(\d{1,4})(?:st|nd|rd|th)?$/.exec(w);
    if (n) {
      if (n[1]!.length === 4) y = Number(n[1]);
      else d = Number(n[1]);
      continue;
    }
    const idx = MONTHS.indexOf(w.slice(0, 3));
    if (idx >= 0) m = idx + 1;
  }
  return validYmd(y, m, d) ? { y, m, d } : null;
}

// biome-ignore format: a table reads better compact
const FILE_EXTENSIONS = new Set([
  "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "css", "js", "mjs", "ts", "tsx",
  "jsx", "json", "map", "woff", "woff2", "ttf", "html", "md", "txt", "yml", "yaml", "lock",
]);

const BUILD_ACCOUNTS = new Set([
  "git",
  "buildd",
  "mockbuild",
  "builder",
  "abuild",
  "portage",
  "jenkins",
]);
const SYSTEM_ACCOUNTS = new Set(["root", "daemon", "nobody", "www-data", "ubuntu", "ec2-user"]);

/** Private, loopback, link-local and shared ranges: infrastructure, not a customer's device. */
function ipv4Infrastructure(a: number, b: number): string | null {
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) {
    return "private_range";
  }
  if (a === 169 && b === 254) return "link_local";
  if (a === 100 && b >= 64 && b <= 127) return "shared_range";
  return null;
}

const validators: Readonly<Record<ValidatorName, Validator>> = {
  email(value) {
    const at = value.lastIndexOf("@");
    const local = value.slice(0, at);
    const domain = value.slice(at + 1).toLowerCase();
    if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) return null;
    const tld = domain.slice(domain.lastIndexOf(".") + 1);
    // `icon@2x.png`, `lodash@4.17.js`: asset names and package specs, not addresses.
    if (FILE_EXTENSIONS.has(tld)) return null;
    const user = local.toLowerCase();
    // Build and service accounts in banners and remotes (`buildd@host.example.org`).
    if (BUILD_ACCOUNTS.has(user)) return null;
    if (SYSTEM_ACCOUNTS.has(user)) {
      return { reasons: ["validator:email", "shape:system_account"], adjust: -0.3 };
    }
    return ok("validator:email");
  },
  phone(raw) {
    const value = raw.replace(/ ?(?:x|ext\.?|#) ?\d{1,5}$/i, "");
    // A date written with separators (`15.01.2024`, `2024-01-15`) is no phone number.
    if (
      /^(?:\d{1,2}[./ -]\d{1,2}[./ -](?:19|20)\d\d|\d{4}[./ -]\d{1,2}[./ -]\d{1,2})$/.test(value)
    ) {
      return null;
    }
    const digits = value.replace(/\D/g, "");
    if (digits.length < 7 || digits.length > 15) return null;
    if (/^0+$/.test(digits)) return null;
    const plus = value.startsWith("+");
    const separated = /[\s().-]/.test(value);
    if (plus && !separated && digits.length < 10)
      return { reasons: ["validator:phone"], adjust: -0.3 };
    // North American numbers: area code and exchange never start with 0 or 1.
    if (!plus && /^\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}$/.test(value) && !value.startsWith("0")) {
      if (digits[0] === "1" || digits[3] === "0" || digits[3] === "1") return null;
    }
    return ok("validator:phone");
  },
  ipv4(value) {
    const octets = parseIpv4(value);
    if (!octets) return null;
    const [a, b] = octets as [number, number, number, number];
    // Unspecified, multicast and broadcast addresses name no one's device.
    if (a === 0 || a >= 224) return null;
    // `192.168.0.0`, `203.0.113.0/24`: a network, not a device.
    if (octets[3] === 0) return { reasons: ["validator:ipv4", "shape:network"], adjust: -0.3 };
    // Private and loopback ranges first: `10.0.0.1` is an address, not a version.
    const range = ipv4Infrastructure(a, b);
    if (range) {
      return {
        reasons: ["validator:ipv4", `shape:${range}`],
        adjust: -0.2,
        tags: ["infrastructure"],
      };
    }
    // Versions and section numbers (`4.2.2.13`, `3.17.0.5`) have mostly one-digit parts;
    // object identifiers (`1.3.101.110`, `2.5.4.3`) start with arc 0, 1 or 2.
    if (octets.filter((o) => o < 10).length >= 3) {
      return { reasons: ["validator:ipv4", "shape:version_like"], adjust: -0.3 };
    }
    if (a <= 2) return { reasons: ["validator:ipv4", "shape:oid_like"], adjust: -0.3 };
    return ok("validator:ipv4");
  },
  ipv6(value) {
    const groups = parseIpv6(value);
    if (!groups) return null;
    const hexDigits = value.replace(/[^0-9A-Fa-f]/g, "").length;
    // `1::2` (Python slices), `dead::beef` (words of hex letters) are not addresses.
    if (hexDigits < 4 || !/\d/.test(value)) return null;
    if (groups.every((g, i) => (i < 7 ? g === 0 : g <= 1))) return null;
    // MAC and EUI-64 addresses (`00:1A:2B:3C:4D:5E`): every group two hex digits.
    const named = value.split(":").filter((g) => g !== "");
    if (named.length >= 4 && named.every((g) => g.length === 2)) return null;
    // `2001:db8::`, `fe80::` (usually before `/len`): a prefix, not a device.
    if (value.endsWith("::")) return { reasons: ["validator:ipv6", "shape:network"], adjust: -0.3 };
    const first = groups[0]!;
    const range =
      first >= 0xfe80 && first <= 0xfebf
        ? "link_local"
        : first >= 0xfc00 && first <= 0xfdff
          ? "unique_local"
          : groups.slice(0, 7).every((g) => g === 0)
            ? "loopback"
            : null;
    return range
      ? { reasons: ["validator:ipv6", `shape:${range}`], adjust: -0.2, tags: ["infrastructure"] }
      : ok("validator:ipv6");
  },
  luhn(value) {
    const digits = value.replace(/\D/g, "");
    if (digits.length < 12 || digits.length > 19) return null;
    const issuer = issuerOf(digits);
    if (!issuer || !luhnValid(digits)) return null;
    const reasons = ["validator:iin", "validator:luhn"];
    let adjust = issuer.adjust ?? 0;
    if (issuer.note) reasons.push(`shape:${issuer.note}`);
    // Twelve digits are as common in ids as in Maestro cards: a card word must be near.
    if (digits.length === 12) {
      adjust -= 0.3;
      reasons.push("shape:short_card");
    }
    return adjust === 0 ? ok(...reasons) : { reasons, adjust };
  },
  iban(value) {
    const compact = value.replace(/\s/g, "");
    const iban = compact.toUpperCase();
    if (compact !== iban && compact !== compact.toLowerCase()) return null;
    const expected = IBAN_LENGTHS[iban.slice(0, 2)];
    if (expected === undefined || iban.length !== expected) return null;
    if (!ibanMod97Valid(iban)) return null;
    return ok("validator:iban_length", "validator:mod97");
  },
  us_ssn(value) {
    const d = value.replace(/\D/g, "");
    if (d.length !== 9) return null;
    const area = d.slice(0, 3);
    if (area === "000" || area === "666" || area[0] === "9") return null;
    if (d.slice(3, 5) === "00" || d.slice(5) === "0000") return null;
    return ok("validator:ssn_ranges");
  },
  uk_nino(value) {
    const v = value.replace(/\s/g, "").toUpperCase();
    if (!/^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$/.test(v)) return null;
    if (["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].includes(v.slice(0, 2))) return null;
    return ok("validator:nino_prefix");
  },
  date(value) {
    return parseDate(value) ? ok("validator:date") : null;
  },
};

/** The validator registered under `name`. */
export function getValidator(name: ValidatorName): Validator {
  return validators[name];
}

/** Names of the registered validators. */
export const validatorNames = Object.keys(validators) as ValidatorName[];

const pad = (n: number, w: number) => String(n).padStart(w, "0");

/** Normalises a matched value for fingerprints and test-value lookup. */
export function normalizeValue(name: NormalizerName, raw: string): string {
  switch (name) {
    case "none":
      return raw;
    case "lower":
      return raw.toLowerCase();
    case "upper":
      return raw.toUpperCase();
    case "digits":
      return raw.replace(/\D/g, "");
    case "alnum_upper":
      return raw.replace(/[^0-9A-Za-z]/g, "").toUpperCase();
    case "ip": {
      if (!raw.includes(":")) return raw;
      const groups = parseIpv6(raw);
      return groups
        ? groups.map((g) => g.toString(16).padStart(4, "0")).join(":")
        : raw.toLowerCase();
    }
    case "date": {
      const date = parseDate(raw);
      if (date?.m && date.d) return `${date.y}-${pad(date.m, 2)}-${pad(date.d, 2)}`;
      return raw.replace(/[^0-9A-Za-z]/g, "").toLowerCase();
    }
  }
}

/** Names of the registered normalisers. */
export const normalizerNames: readonly NormalizerName[] = [
  "none",
  "lower",
  "upper",
  "digits",
  "alnum_upper",
  "ip",
  "date",
];
