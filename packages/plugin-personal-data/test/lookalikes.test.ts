import { describe, expect, it } from "vitest";
import { IIN_RANGES, issuerOf, scanText } from "../src/index.js";
import { found, valuesOf } from "./helpers.js";

// The look-alikes that third-party code and logs are full of, and the real formats
// Presidio's evaluation set showed missing (issue 10).

describe("boundaries", () => {
  it("treats _ and - as part of an identifier: HDFS block ids are no cards", () => {
    expect(found("blk_4111111111111111 blk_-4012888888881881 id_5555555555554444")).toEqual([]);
  });
  it("finds no card or phone in the tail of an IBAN or a longer run that failed its check", () => {
    expect(found("GB82 WEST 1234 5698 7654 33 phone")).toEqual([]);
    expect(found("DE44 6796 2092 3407 3907 76 card")).toEqual([]);
    expect(found("card 4929 1234 5678 9012 3456 000")).toEqual([]);
  });
});

describe("ip_address look-alikes", () => {
  it("scores four-part versions, OIDs and section numbers below the threshold", () => {
    const text =
      "bump (3.17.0.5), <=6.6.10.4, oid 1.3.101.110, 2.5.29.17, section 24.5.1.1, ES6$24.2.4.21";
    expect(valuesOf("ip_address", text)).toEqual([]);
  });
  it("tags private, loopback and link-local addresses as infrastructure with lower confidence", () => {
    const text = "peer 10.1.2.30 lo 127.0.0.1 ll 169.254.10.20 pub 81.2.69.160";
    const matches = scanText(text);
    expect(matches.map((m) => [text.slice(m.start, m.end), m.tags ?? []])).toEqual([
      ["10.1.2.30", ["infrastructure"]],
      ["127.0.0.1", ["infrastructure"]],
      ["169.254.10.20", ["infrastructure"]],
      ["81.2.69.160", []],
    ]);
    expect(matches[0]!.confidence).toBeLessThan(matches[3]!.confidence);
  });
  it("ignores network prefixes and MAC addresses", () => {
    expect(valuesOf("ip_address", "net 192.168.0.0/16 fe80::/10 mac 00:1A:2B::4D:5E")).toEqual([]);
  });
});

describe("email look-alikes", () => {
  it("rejects SSH remotes, URL credentials and build banners", () => {
    const text = [
      "git@github.com:acme/app.git",
      "https://bob:hunter2@db.acme.io/x and https://deploy@ci.acme.io",
      "Linux version 6.1 (buildd@lcy02-amd64.buildd.ubuntu.com)",
      'a"b"right@example.com a@b.cc@d.ee',
    ].join("\n");
    expect(valuesOf("email", text)).toEqual([]);
  });
  it("still finds mailto links and addresses in angle brackets", () => {
    expect(valuesOf("email", "mailto:ana@acme.io <li.wei@mail.acme.cn>")).toEqual([
      "ana@acme.io",
      "li.wei@mail.acme.cn",
    ]);
  });
});

describe("phone_number", () => {
  it("ignores clock offsets, minified constants and byte dumps", () => {
    const text =
      "offset +0.184325 s; x=n[1]+2147483648|0; <Buffer 00 00 00 00 00> 01-23-45-67-89-AB";
    expect(valuesOf("phone_number", text)).toEqual([]);
  });
  it("finds short groups, local numbers, extensions and -Office suffixes next to a phone word", () => {
    const text = [
      "Mobile: 0490 39 07 81, desk (37) 788-063-Office",
      "call me on 9472 7916 or 60-56-85-91",
      "Fax: 345-899-3560x4587, +1-903-140-4508x769",
    ].join("\n");
    expect(valuesOf("phone_number", text)).toEqual([
      "0490 39 07 81",
      "(37) 788-063",
      "9472 7916",
      "60-56-85-91",
      "345-899-3560x4587",
      "+1-903-140-4508x769",
    ]);
  });
  it("takes a bare label line just above as context, and no other line", () => {
    expect(valuesOf("phone_number", "Phone:\n467 3395")).toEqual(["467 3395"]);
    expect(valuesOf("phone_number", "phone = lookup()\n467 3395")).toEqual([]);
  });
  it("leaves short groups without a phone word out", () => {
    expect(valuesOf("phone_number", "sizes 467 3395 and 78 651 450")).toEqual([]);
  });
  it("tags fictional numbers as test values", () => {
    const text = "+1 555 0142, +1 (202) 555-0173, 07700 900123, +44 20 7946 0321";
    const tagged = scanText(text).map((m) => [text.slice(m.start, m.end), m.testValue]);
    expect(tagged).toEqual([
      ["+1 555 0142", true],
      ["+1 (202) 555-0173", true],
      ["07700 900123", true],
      ["+44 20 7946 0321", true],
    ]);
  });
});

describe("context", () => {
  it("is confined to the finding's line", () => {
    expect(valuesOf("date_of_birth", "user_dob:\n2024-01-15 10:00")).toEqual([]);
    expect(valuesOf("date_of_birth", "user_dob: 1985-03-12")).toEqual(["1985-03-12"]);
  });
});

describe("payment_card", () => {
  it("finds 12-digit Maestro and 15-digit JCB numbers next to a card word", () => {
    expect(valuesOf("payment_card", "card 676222165679, card 180016070420458")).toEqual([
      "676222165679",
      "180016070420458",
    ]);
    expect(valuesOf("payment_card", "id 676222165679")).toEqual([]);
  });
  it("tags documented and generated test cards", () => {
    const text = "cards 4000 0566 5566 5556, 2223000048400011, 6200000000000005";
    expect(scanText(text).map((m) => m.testValue)).toEqual([true, true, true]);
  });
  it("reads issuers from the IIN table", () => {
    expect(issuerOf("3530111333300000")?.scheme).toBe("jcb");
    expect(issuerOf("180016070420458")?.scheme).toBe("jcb");
    expect(issuerOf("9792000000000003")).toBeUndefined();
    expect(IIN_RANGES.every((r) => r.from.length === r.to.length && r.from <= r.to)).toBe(true);
  });
});

describe("iban", () => {
  it("finds lower-case IBANs and rejects mixed case", () => {
    expect(valuesOf("iban", "gb82west12345698765432 Gb82West12345698765432")).toEqual([
      "gb82west12345698765432",
    ]);
  });
});
