// Staffing options for a resource request: which people fit its skills, geography, dates and the firm's
// utilisation threshold, best first. Pure and deterministic (no clock, no I/O): flows call it from JSONata as
// `$staffingRank(request, candidates, options)` (core/dsl/expressions.ts binds it), tests call it directly.
// The rules are written out in docs/dsl.md "Staffing functions"; a change to them is a change to that text.

export interface StaffingSkill {
  name: string;
  /** 1 (awareness) … 5 (expert). */
  level: number;
}

export interface StaffingRequest {
  startDate: string;
  endDate: string;
  skills: StaffingSkill[];
  /** Hours the request needs over its whole period. */
  hours: number;
  /** Where the work is: a city (an office name) and/or an ISO country code. Absent: anywhere. */
  location?: { city?: string | null; country?: string | null } | null;
}

export interface StaffingCandidate {
  id: string;
  name?: string;
  skills: StaffingSkill[];
  location?: { city?: string | null; country?: string | null } | null;
  weeklyCapacityHours: number;
  /** Approved time off inside the request's dates, in hours. */
  timeOffHours?: number;
  /** Hours already booked (allocated) inside the request's dates. */
  bookedHours?: number;
  /** Current utilisation, 0 … (hours worked / capacity over a recent window). */
  utilisation?: number;
  /** Carried through to the option unchanged (e.g. the PSA user id). */
  ref?: unknown;
}

export interface StaffingOptions {
  /** Options returned (default 3). */
  top?: number;
  /** Candidates whose utilisation is above this are not proposed (default 0.85). */
  maxUtilisation?: number;
  /** Least share of the requested skills (level-weighted) a candidate must cover (default 0.5). */
  minSkillMatch?: number;
  /** Least share of the requested hours a candidate must have free (default 0.5). */
  minAvailability?: number;
}

export interface StaffingOption {
  rank: number;
  id: string;
  name?: string;
  score: number;
  skillMatch: number;
  locationMatch: number;
  availability: number;
  availableHours: number;
  utilisation: number;
  matchedSkills: string[];
  missingSkills: string[];
  ref?: unknown;
}

export interface StaffingRanking {
  options: StaffingOption[];
  considered: number;
  /** Candidates left out, by the first rule that left them out. */
  excluded: { skills: number; utilisation: number; availability: number };
  requestedHours: number;
  workingDays: number;
}

/** Weights of the score (they sum to 1). */
export const STAFFING_WEIGHTS = { skills: 0.5, location: 0.2, availability: 0.2, utilisation: 0.1 } as const;
export const STAFFING_DEFAULTS = { top: 3, maxUtilisation: 0.85, minSkillMatch: 0.5, minAvailability: 0.5 } as const;

/** A staffing input that cannot be ranked: the message names the field. */
export class StaffingInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "StaffingInputError";
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function day(v: unknown, field: string): number {
  if (typeof v !== "string" || !DAY.test(v.slice(0, 10)) || Number.isNaN(Date.parse(v.slice(0, 10))))
    throw new StaffingInputError(field, `${field} must be a date (YYYY-MM-DD); got ${JSON.stringify(v ?? null)}.`);
  return Date.parse(`${v.slice(0, 10)}T00:00:00Z`);
}

/** Monday–Friday days from `from` to `to`, both included (0 when `to` is before `from`). */
export function workingDays(from: string, to: string): number {
  const a = day(from, "from");
  const b = day(to, "to");
  let n = 0;
  for (let t = a; t <= b; t += 86_400_000) {
    const dow = new Date(t).getUTCDay();
    if (dow !== 0 && dow !== 6) n++;
  }
  return n;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const norm = (s: unknown) => (typeof s === "string" ? s.trim().toLowerCase() : "");
const num = (v: unknown, fallback = 0) => (typeof v === "number" && Number.isFinite(v) ? v : fallback);

function checkSkills(v: unknown, field: string): StaffingSkill[] {
  if (!Array.isArray(v)) throw new StaffingInputError(field, `${field} must be a list of { name, level }.`);
  return v.map((s: unknown, i) => {
    const o = (s ?? {}) as { name?: unknown; level?: unknown };
    if (typeof o.name !== "string" || !o.name.trim())
      throw new StaffingInputError(`${field}[${i}].name`, `${field}[${i}].name must be a skill name.`);
    const level = Number(o.level ?? 1);
    if (!Number.isFinite(level) || level < 0)
      throw new StaffingInputError(`${field}[${i}].level`, `${field}[${i}].level must be a number ≥ 0.`);
    return { name: o.name, level };
  });
}

/**
 * Ranks candidates for a request. Rules, in order:
 * 1. skill match = mean over requested skills of min(candidate level / requested level, 1) (a missing skill
 *    counts 0); below `minSkillMatch` → excluded (skills);
 * 2. utilisation above `maxUtilisation` → excluded (utilisation);
 * 3. free hours = weekly capacity × working days / 5 − time off − booked; availability = min(free /
 *    requested hours, 1); below `minAvailability` → excluded (availability);
 * 4. location match = 1 same city, 0.5 same country, 0 otherwise (1 for everyone when the request names none);
 * 5. score = 0.5 skills + 0.2 location + 0.2 availability + 0.1 (1 − min(utilisation, 1)), to 4 decimals;
 *    ties broken by skill match, then lower utilisation, then id — so the order never depends on input order.
 */
export function rankCandidates(
  request: StaffingRequest,
  candidates: readonly StaffingCandidate[],
  options: StaffingOptions = {},
): StaffingRanking {
  if (!request || typeof request !== "object") throw new StaffingInputError("request", "request must be an object.");
  const start = day(request.startDate, "request.startDate");
  const end = day(request.endDate, "request.endDate");
  if (end < start)
    throw new StaffingInputError("request.endDate", "request.endDate must not be before request.startDate.");
  const wanted = checkSkills(request.skills, "request.skills");
  if (!wanted.length) throw new StaffingInputError("request.skills", "request.skills must name at least one skill.");
  const hours = Number(request.hours);
  if (!Number.isFinite(hours) || hours <= 0)
    throw new StaffingInputError("request.hours", "request.hours must be a number of hours > 0.");
  if (!Array.isArray(candidates)) throw new StaffingInputError("candidates", "candidates must be a list.");
  const o = { ...STAFFING_DEFAULTS, ...Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v != null)) };
  const days = workingDays(request.startDate, request.endDate);
  const city = norm(request.location?.city);
  const country = norm(request.location?.country);
  const excluded = { skills: 0, utilisation: 0, availability: 0 };
  const fits: StaffingOption[] = [];

  candidates.forEach((c, i) => {
    if (!c || typeof c.id !== "string" || !c.id)
      throw new StaffingInputError(`candidates[${i}].id`, `candidates[${i}].id must be a non-empty string.`);
    const have = new Map(checkSkills(c.skills ?? [], `candidates[${i}].skills`).map((s) => [norm(s.name), s.level]));
    const matched: string[] = [];
    const missing: string[] = [];
    let cover = 0;
    for (const w of wanted) {
      const lvl = have.get(norm(w.name));
      if (lvl === undefined) missing.push(w.name);
      else {
        matched.push(w.name);
        cover += w.level > 0 ? Math.min(lvl / w.level, 1) : 1;
      }
    }
    const skillMatch = round(cover / wanted.length);
    if (skillMatch < o.minSkillMatch) return void excluded.skills++;
    const utilisation = round(Math.max(0, num(c.utilisation)));
    if (utilisation > o.maxUtilisation) return void excluded.utilisation++;
    const free = (num(c.weeklyCapacityHours) * days) / 5 - num(c.timeOffHours) - num(c.bookedHours);
    const availableHours = round(Math.max(0, free), 2);
    const availability = round(Math.min(availableHours / hours, 1));
    if (availability < o.minAvailability) return void excluded.availability++;
    const locationMatch =
      !city && !country
        ? 1
        : city && norm(c.location?.city) === city
          ? 1
          : country && norm(c.location?.country) === country
            ? 0.5
            : 0;
    const w = STAFFING_WEIGHTS;
    const score = round(
      w.skills * skillMatch +
        w.location * locationMatch +
        w.availability * availability +
        w.utilisation * (1 - Math.min(utilisation, 1)),
    );
    fits.push({
      rank: 0,
      id: c.id,
      ...(c.name !== undefined ? { name: c.name } : {}),
      score,
      skillMatch,
      locationMatch,
      availability,
      availableHours,
      utilisation,
      matchedSkills: matched,
      missingSkills: missing,
      ...(c.ref !== undefined ? { ref: c.ref } : {}),
    });
  });

  fits.sort(
    (a, b) =>
      b.score - a.score ||
      b.skillMatch - a.skillMatch ||
      a.utilisation - b.utilisation ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const top = Math.max(0, Math.floor(num(o.top, STAFFING_DEFAULTS.top)));
  return {
    options: fits.slice(0, top).map((f, i) => ({ ...f, rank: i + 1 })),
    considered: candidates.length,
    excluded,
    requestedHours: hours,
    workingDays: days,
  };
}

/** The functions flows see in JSONata (`$staffingRank`, `$workingDays`); names listed for the designer. */
export const STAFFING_FUNCTIONS = {
  staffingRank: rankCandidates,
  workingDays,
} as const;
export const STAFFING_FUNCTION_NAMES = Object.keys(STAFFING_FUNCTIONS) as Array<keyof typeof STAFFING_FUNCTIONS>;
/** How each is called, for the validator (`function-arguments`) and the designer. */
export const STAFFING_FUNCTION_SIGNATURES: Record<
  keyof typeof STAFFING_FUNCTIONS,
  { min: number; max: number; usage: string }
> = {
  staffingRank: { min: 2, max: 3, usage: "$staffingRank(request, candidates, options?)" },
  workingDays: { min: 2, max: 2, usage: "$workingDays(from, to)" },
};
