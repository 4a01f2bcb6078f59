/**
 * Identifiers: an email address (trimmed, lower-cased, validated) or a phone number normalised to
 * E.164 with libphonenumber's full metadata, so "+1 (415) 555-2671" and "+14155552671" are one person.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { z } from "zod";
import { AppError } from "@/lib/http/errors";

export type Identifier = { kind: "email"; value: string } | { kind: "phone"; value: string; country: string | undefined };

const email = z.email();

function invalid(message: string): AppError {
  return new AppError("invalid_input", message, { fields: [{ path: "identifier", message }] });
}

export function normaliseIdentifier(raw: string): Identifier {
  const input = raw.trim();
  if (input.includes("@")) {
    const value = input.toLowerCase();
    if (value.length > 254 || !email.safeParse(value).success) throw invalid("Enter a valid email address.");
    return { kind: "email", value };
  }
  // Phone: require the international form so a number is never guessed into the wrong country.
  const compact = input.replace(/[\s().-]/g, "");
  const withPlus = compact.startsWith("00") ? `+${compact.slice(2)}` : compact;
  if (!/^\+\d{6,15}$/.test(withPlus)) throw invalid("Enter an email address, or a phone number with its country code (e.g. +44 7700 900123).");
  const phone = parsePhoneNumberFromString(withPlus);
  if (!phone || !phone.isValid()) throw invalid("That phone number is not valid.");
  return { kind: "phone", value: phone.number, country: phone.country };
}

/** OTP_SMS_COUNTRIES: empty means every country. Guards against SMS pumping to premium ranges. */
export function assertCountryAllowed(id: Identifier, allowed: string[]): void {
  if (id.kind !== "phone" || allowed.length === 0) return;
  if (!id.country || !allowed.includes(id.country)) {
    throw new AppError("invalid_input", "Codes cannot be sent to phone numbers in this country.", {
      fields: [{ path: "identifier", message: "country not allowed" }],
    });
  }
}
