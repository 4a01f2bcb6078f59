import { describe, expect, it } from "vitest";
import { assertCountryAllowed, normaliseIdentifier } from "@/lib/auth/identifier";

describe("identifier normalisation", () => {
  it("trims and lower-cases email addresses", () => {
    expect(normaliseIdentifier("  Nurse.Joy@Clinic.Example ")).toEqual({ kind: "email", value: "nurse.joy@clinic.example" });
  });

  it.each([
    ["+1 (415) 555-2671", "+14155552671"],
    ["+1 415.555.2671", "+14155552671"],
    ["0014155552671", "+14155552671"],
    [" +44 20 7946 0958 ", "+442079460958"],
    ["+49 30 901820", "+4930901820"],
  ])("normalises messy phone input %s to E.164", (raw, e164) => {
    const id = normaliseIdentifier(raw);
    expect(id.kind).toBe("phone");
    expect(id.value).toBe(e164);
  });

  it.each(["+1 415 555", "+999 1234567", "4155552671", "+44 12", "+1 (415) 555-2671 ext. 9", "not-an-email@", "a@b"])("rejects %s", (raw) => {
    expect(() => normaliseIdentifier(raw)).toThrowError(expect.objectContaining({ code: "invalid_input" }));
  });

  it("applies the SMS country allow-list to phones only", () => {
    const us = normaliseIdentifier("+14155552671");
    const uk = normaliseIdentifier("+442079460958");
    expect(() => assertCountryAllowed(us, ["GB"])).toThrowError(expect.objectContaining({ code: "invalid_input" }));
    expect(() => assertCountryAllowed(uk, ["GB"])).not.toThrow();
    expect(() => assertCountryAllowed(us, [])).not.toThrow();
    expect(() => assertCountryAllowed(normaliseIdentifier("a@clinic.example"), ["GB"])).not.toThrow();
  });
});
