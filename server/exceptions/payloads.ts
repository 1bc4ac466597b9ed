// Payloads as the pages show them: secrets are always redacted (server/runtime/redact.ts); on top of that
// the flow's data classification decides what a viewer sees before an audited "reveal":
//   public / internal  → everything;
//   confidential       → personal fields (names, emails, phones, addresses, pay, bank and tax ids) masked;
//   restricted         → every value masked, structure kept.
import { redact } from "../runtime/redact";

export const MASK = "•••";
const PERSONAL =
  /(e-?mail|phone|mobile|address|street|postcode|zip|birth|dob|salary|pay(rate)?|compensation|iban|bic|bank|account_?number|ssn|national_?id|tax_?id|passport|first_?name|last_?name|full_?name|^name$|descriptor)/i;

export type Classification = "public" | "internal" | "confidential" | "restricted";

export function needsReveal(classification: string): boolean {
  return classification === "confidential" || classification === "restricted";
}

function mask(v: unknown, all: boolean, key = ""): unknown {
  if (v === null || v === undefined) return v;
  if (Array.isArray(v)) return v.map((x) => mask(x, all, key));
  if (typeof v === "object")
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, mask(x, all || PERSONAL.test(k), k)]),
    );
  return all ? MASK : v;
}

/** A payload for display: secrets redacted, then masked by classification unless revealed. */
export function showPayload(value: unknown, classification: string, revealed: boolean): unknown {
  const clean = redact(value, { maxString: 4000 });
  if (revealed || !needsReveal(classification)) return clean;
  return mask(clean, classification === "restricted");
}
