import { describe, expect, it } from "vitest";
import { maskValue } from "../src/index.js";

describe("maskValue", () => {
  it("keeps the last 4 digits of a card and its separators", () => {
    expect(maskValue("payment_card", "4111111111111111")).toBe("************1111");
    expect(maskValue("payment_card", "4111 1111 1111 1111")).toBe("**** **** **** 1111");
  });
  it("keeps the country and last 4 of an IBAN", () => {
    expect(maskValue("iban", "GB82WEST12345698765432")).toBe("GB****************5432");
    expect(maskValue("iban", "GB82 WEST 1234 5698 7654 32")).toBe("GB** **** **** **** **54 32");
  });
  it("keeps the first character and domain of an email", () => {
    expect(maskValue("email", "john.smith@example.com")).toBe("j***@example.com");
  });
  it("keeps the last 2 digits of a phone number", () => {
    expect(maskValue("phone_number", "+44 20 7946 0958")).toBe("+** ** **** **58");
  });
  it("keeps the first octet or hextet of an IP", () => {
    expect(maskValue("ip_address", "81.2.69.160")).toBe("81.*.*.*");
    expect(maskValue("ip_address", "2a00:1450:4009:80b::200e")).toBe("2a00:*:*:*::*");
  });
  it("keeps the last 3 characters of an SSN and a NINO", () => {
    expect(maskValue("us_ssn", "536-22-1234")).toBe("***-**-*234");
    expect(maskValue("uk_nino", "JG 10 37 52 A")).toBe("** ** ** 52 A");
  });
  it("keeps only the year of a date of birth", () => {
    expect(maskValue("date_of_birth", "1985-03-12")).toBe("1985-**-**");
    expect(maskValue("date_of_birth", "12 March 1985")).toBe("** ***** 1985");
  });
  it("shows field names as they are", () => {
    expect(maskValue("field_name", "customerEmail")).toBe("customerEmail");
  });
  it("masks values of unknown types entirely unless told what to keep", () => {
    expect(maskValue("employee_id", "EMP-123456")).toBe("***-******");
    expect(maskValue("employee_id", "EMP-123456", { keep_last: 2 })).toBe("***-****56");
  });
  it("never shows a whole short value", () => {
    expect(maskValue("payment_card", "1234")).toBe("*234");
  });
});
