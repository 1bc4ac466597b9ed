// Exact decimals for reconciliation: a value is an integer count of 10^-scale units (a bigint), so a
// tolerance of 0.01 holds exactly at the boundary — 100.10 vs 100.11 differ by 0.01, not 0.010000000000005
// as floats would. Numbers are read through their shortest decimal text (String(n)), which is the literal
// the sender wrote. Pure.

export interface Dec {
  /** The value times 10^scale. */
  readonly units: bigint;
  readonly scale: number;
}

export const ZERO: Dec = { units: 0n, scale: 0 };

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const MAX_SCALE = 40;

/** Reads a decimal string or a finite number; null for anything else (empty, NaN, "12abc", objects). */
export function parseDec(value: unknown): Dec | null {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    text = String(value);
  } else if (typeof value === "bigint") return { units: value, scale: 0 };
  else if (typeof value === "string") text = value.trim();
  else return null;
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const [, sign, int = "", frac = "", exp] = m;
  if (int === "" && frac === "") return null;
  let scale = frac.length - (exp ? Number(exp) : 0);
  let digits = (int + frac).replace(/^0+(?=\d)/, "") || "0";
  if (scale < 0) {
    if (-scale > MAX_SCALE) return null;
    digits += "0".repeat(-scale);
    scale = 0;
  }
  if (scale > MAX_SCALE) return null;
  const units = BigInt(digits);
  return { units: sign === "-" ? -units : units, scale };
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  if (a.scale === b.scale) return [a.units, b.units, a.scale];
  if (a.scale < b.scale) return [a.units * 10n ** BigInt(b.scale - a.scale), b.units, b.scale];
  return [a.units, b.units * 10n ** BigInt(a.scale - b.scale), a.scale];
}

export function add(a: Dec, b: Dec): Dec {
  const [x, y, scale] = align(a, b);
  return { units: x + y, scale };
}

export function sub(a: Dec, b: Dec): Dec {
  const [x, y, scale] = align(a, b);
  return { units: x - y, scale };
}

export function abs(a: Dec): Dec {
  return a.units < 0n ? { units: -a.units, scale: a.scale } : a;
}

/** Multiplies by an integer (minutes → hours × 60 is done the other way round: hours × 60 = minutes). */
export function mulInt(a: Dec, k: number | bigint): Dec {
  return { units: a.units * BigInt(k), scale: a.scale };
}

/** Divides by 10^digits exactly (cents → currency units). */
export function shift(a: Dec, digits: number): Dec {
  return { units: a.units, scale: a.scale + digits };
}

export function cmp(a: Dec, b: Dec): -1 | 0 | 1 {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function max(a: Dec, b: Dec): Dec {
  return cmp(a, b) >= 0 ? a : b;
}

/** Plain decimal text without exponent or trailing zeros beyond the point ("12.5", "-0.02", "3"). */
export function formatDec(a: Dec): string {
  const neg = a.units < 0n;
  let digits = (neg ? -a.units : a.units).toString();
  if (a.scale === 0) return (neg ? "-" : "") + digits;
  digits = digits.padStart(a.scale + 1, "0");
  const int = digits.slice(0, digits.length - a.scale);
  const frac = digits.slice(digits.length - a.scale).replace(/0+$/, "");
  const text = frac ? `${int}.${frac}` : int;
  return neg && text !== "0" ? `-${text}` : text;
}
