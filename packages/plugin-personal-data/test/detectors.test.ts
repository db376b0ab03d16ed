import { describe, expect, it } from "vitest";
import { ibanMod97Valid, luhnValid } from "../src/index.js";
import { found, valuesOf } from "./helpers.js";

describe("email", () => {
  it("finds addresses in code and prose", () => {
    expect(valuesOf("email", 'to = "jane.doe+news@mail.acme.co.uk"; cc: bob@corp.io.')).toEqual([
      "jane.doe+news@mail.acme.co.uk",
      "bob@corp.io",
    ]);
  });
  it("ignores asset names, package specs and scoped packages", () => {
    expect(valuesOf("email", "icon@2x.png lodash@4.17.21 @types/node user@localhost")).toEqual([]);
  });
});

describe("phone_number", () => {
  it("finds international formats", () => {
    const text = "call +44 20 7946 0958 or +1 (415) 555-2671 or +49 30 901820 or +14155552671";
    expect(valuesOf("phone_number", text)).toEqual([
      "+44 20 7946 0958",
      "+1 (415) 555-2671",
      "+49 30 901820",
      "+14155552671",
    ]);
  });
  it("finds national formats with separators", () => {
    expect(valuesOf("phone_number", "(415) 555-2671, 415-555-2671, 020 7946 0958")).toEqual([
      "(415) 555-2671",
      "415-555-2671",
      "020 7946 0958",
    ]);
  });
  it("finds a bare digit run only next to a phone keyword", () => {
    expect(valuesOf("phone_number", "mobile: 07700900123")).toEqual(["07700900123"]);
    expect(valuesOf("phone_number", "order 07700900123 shipped")).toEqual([]);
  });
  it("ignores order ids, epoch millis, dates and version strings", () => {
    const text = "order 4155552671 at 1700000000000 on 2024-01-15 v1.2.3 ORD-123-456-7890 12:30:45";
    expect(valuesOf("phone_number", text)).toEqual([]);
  });
});

describe("ip_address", () => {
  it("finds IPv4 addresses with octets up to 255", () => {
    expect(valuesOf("ip_address", "client=81.2.69.160 gw 172.16.254.1:8080")).toEqual([
      "81.2.69.160",
      "172.16.254.1",
    ]);
  });
  it("ignores version strings and octets above 255", () => {
    const text = "version 1.2.3.4, v10.0.0.1, 1.2.3.4.5, 300.1.1.1, 192.168.1.256, 01.02.03.04";
    expect(valuesOf("ip_address", text)).toEqual([]);
  });
  it("finds full and compressed IPv6 addresses", () => {
    const text =
      "a 2a00:1450:4009:80b::200e b 2606:4700:0000:0000:0000:0000:6810:85e5 c ::ffff:81.2.69.160";
    expect(valuesOf("ip_address", text)).toEqual([
      "2a00:1450:4009:80b::200e",
      "2606:4700:0000:0000:0000:0000:6810:85e5",
      "::ffff:81.2.69.160",
    ]);
  });
  it("ignores hex hashes, MACs, clock times, C++ scopes and slices", () => {
    const text =
      "sha e83c5163316f89bfbde7d9ab23ca2e25604af290 mac 00:1A:2B:3C:4D:5E at 10:22:33 std::vector x[1::2] dead::beef ::1";
    expect(valuesOf("ip_address", text)).toEqual([]);
  });
});

describe("payment_card", () => {
  it("finds Luhn-valid numbers with known issuers, grouped or not", () => {
    const text = "4539 5787 6362 1486 / 4539-5787-6362-1486 / 4539578763621486 / 3714 496353 98431";
    expect(valuesOf("payment_card", text)).toEqual([
      "4539 5787 6362 1486",
      "4539-5787-6362-1486",
      "4539578763621486",
      "3714 496353 98431",
    ]);
  });
  it("ignores numbers failing Luhn, unknown issuers, epoch millis and UUID parts", () => {
    const text =
      "4539578763621487 9999999999999995 1700000000000 123e4567-e89b-12d3-a456-426614174000 1234567890123456";
    expect(valuesOf("payment_card", text)).toEqual([]);
  });
  it("luhn agrees with the reference values", () => {
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
  });
});

describe("iban", () => {
  it("finds mod-97 valid IBANs, spaced or compact", () => {
    const text = "pay GB82 WEST 1234 5698 7654 32 or DE89370400440532013000 or NO9386011117947";
    expect(valuesOf("iban", text)).toEqual([
      "GB82 WEST 1234 5698 7654 32",
      "DE89370400440532013000",
      "NO9386011117947",
    ]);
  });
  it("ignores IBAN-like strings failing mod-97 or the country length", () => {
    expect(
      valuesOf("iban", "GB82WEST12345698765433 DE8937040044053201300 XX89370400440532013000"),
    ).toEqual([]);
    expect(ibanMod97Valid("GB82WEST12345698765432")).toBe(true);
  });
});

describe("us_ssn", () => {
  it("finds dashed SSNs and bare ones next to an SSN keyword", () => {
    expect(valuesOf("us_ssn", "ssn 536-22-1234; SSN: 536221234")).toEqual([
      "536-22-1234",
      "536221234",
    ]);
  });
  it("ignores invalid areas, groups and serials, and bare nine digits without keyword", () => {
    expect(
      valuesOf("us_ssn", "000-12-1234 666-12-1234 912-12-1234 536-00-1234 536-22-0000 536221234"),
    ).toEqual([]);
  });
});

describe("uk_nino", () => {
  it("finds NINOs with or without spaces", () => {
    expect(valuesOf("uk_nino", "NI number JG 10 37 52 A, JG103752B")).toEqual([
      "JG 10 37 52 A",
      "JG103752B",
    ]);
  });
  it("ignores excluded letters, prefixes and suffixes", () => {
    expect(valuesOf("uk_nino", "DA103752A QQ103752A BG103752A GB103752A JG103752E")).toEqual([]);
  });
});

describe("date_of_birth", () => {
  it("finds dates next to a birth keyword, in every supported format", () => {
    const text = [
      "dob: 1985-03-12",
      "Date of birth 12/03/1985",
      "born on 03/25/1985",
      "birthday: 12 March 1985",
      "Geburtsdatum 12.03.1985",
      "dateOfBirth = 'March 12, 1985'",
    ].join("\n");
    expect(valuesOf("date_of_birth", text)).toEqual([
      "1985-03-12",
      "12/03/1985",
      "03/25/1985",
      "12 March 1985",
      "12.03.1985",
      "March 12, 1985",
    ]);
  });
  it("ignores dates without a birth keyword, and impossible dates", () => {
    expect(valuesOf("date_of_birth", "created 1985-03-12, released 12 March 1985")).toEqual([]);
    expect(valuesOf("date_of_birth", "dob: 1985-02-30")).toEqual([]);
  });
});

describe("field_name", () => {
  const names = (text: string) => valuesOf("field_name", text);
  it("finds personal-data identifiers where they are declared", () => {
    const text = [
      "const firstName = user.first_name;",
      "let customerEmail: string;",
      '{"date_of_birth": null, "PHONE_NUMBER": 1}',
      "self.ssn = value",
      '<input type="text" name="postcode">',
    ].join("\n");
    expect(names(text)).toEqual([
      "firstName",
      "customerEmail",
      "date_of_birth",
      "PHONE_NUMBER",
      "ssn",
      "postcode",
    ]);
  });
  it("leaves references, string values, parameters and comments out", () => {
    const text = [
      "send(user.email); row['phone'];",
      '{"type": "zip", "format": "email"}',
      "function check(address: string, ip: string) {}",
      "# email: the contact address",
      "Iterator.zip(a, b); pkg = com.android.phone;",
    ].join("\n");
    expect(names(text)).toEqual([]);
  });
  it("leaves i18n labels, generic type parameters and memory addresses out", () => {
    const text = [
      'const labels = { email: "E-mail address", phone: "Téléphone", zip: "ZIP code" };',
      "type Map<TIn, TOut> = (x: TIn) => TOut;",
      "const tin = readTaxId();",
      "frame = { address: 0x7ffd5a3c, size: 16 }",
    ].join("\n");
    expect(names(text)).toEqual(["tin"]);
  });
  it("finds columns of CREATE TABLE", () => {
    expect(
      names("CREATE TABLE users (id INTEGER, email TEXT, postcode VARCHAR(10), iban TEXT)"),
    ).toEqual(["email", "postcode", "iban"]);
  });
  it("leaves prose words and non-personal look-alikes out", () => {
    const text = [
      "// Send the address of the office to every city.",
      "const macAddress = 1; let isMobile = true; const emailVerified = false; const gzip = 2;",
    ].join("\n");
    expect(names(text)).toEqual([]);
  });
  it("never reports prose words, whatever the threshold", () => {
    expect(found("the address is here", 0)).toEqual([]);
  });
});
