// The policy checks a publish request must pass before anyone may approve it. Pure: the publish flow
// gathers the inputs (the DSL validator's errors, the breaking-change detector's required bump, …) and
// this decides. Until core/dsl exposes its validator and detector, callers fill PolicyInputs themselves.
import semver from "semver";

export type Bump = "patch" | "minor" | "major";
export const BUMPS: readonly Bump[] = ["patch", "minor", "major"];
const ORDER: Record<Bump, number> = { patch: 0, minor: 1, major: 2 };

/** Classifications whose flows need a recorded classification review before a version can be published. */
export const REVIEWED_CLASSIFICATIONS: readonly string[] = ["restricted"];

export interface PolicyInputs {
  /** The DSL validator's errors for the version's document; must be empty. */
  validationErrors: ReadonlyArray<string | { message: string; path?: string }>;
  /** The validator's warnings (the designer's Problems panel and `weft validate` show the same): reported, never blocking. */
  validationWarnings?: ReadonlyArray<string | { message: string; path?: string }>;
  changelog: string;
  /** previous published version → this one: "initial" for a flow's first version, "none"/"invalid" when not an increase. */
  proposedBump: Bump | "initial" | "none" | "invalid";
  /** What the breaking-change detector demands against the previous version (null for a first version). */
  requiredBump: Bump | null;
  classification: string;
  /** A classification review is on record for the flow at its current classification. */
  classificationReviewed: boolean;
  /** Problems found checking the events the flow emits against their contracts. */
  contractIssues?: readonly string[];
}

export type PolicyCheckId = "validator" | "changelog" | "semver" | "classification" | "contracts";

export interface PolicyCheck {
  id: PolicyCheckId;
  label: string;
  ok: boolean;
  detail: string;
}

export interface PolicyReport {
  ok: boolean;
  checks: PolicyCheck[];
}

/** The smallest changelog that says something. */
export const MIN_CHANGELOG = 10;

export function bumpBetween(previous: string | null, next: string): PolicyInputs["proposedBump"] {
  if (!semver.valid(next)) return "invalid";
  if (!previous) return "initial";
  if (!semver.gt(next, previous)) return "none";
  const d = semver.diff(previous, next);
  if (d === "major" || d === "premajor") return "major";
  if (d === "minor" || d === "preminor") return "minor";
  return "patch";
}

export function runPolicyChecks(i: PolicyInputs): PolicyReport {
  const checks: PolicyCheck[] = [];
  const line = (e: string | { message: string; path?: string }) =>
    typeof e === "string" ? e : e.path ? `${e.path}: ${e.message}` : e.message;
  const errs = i.validationErrors.map(line);
  const warns = (i.validationWarnings ?? []).map(line);
  const warned = warns.length
    ? ` ${warns.length} warning(s): ${warns.slice(0, 3).join("; ")}${warns.length > 3 ? "; …" : ""}`
    : "";
  checks.push({
    id: "validator",
    label: "Validator clean",
    ok: errs.length === 0,
    detail:
      (errs.length === 0
        ? "No validation errors."
        : `${errs.length} validation error(s): ${errs.slice(0, 3).join("; ")}${errs.length > 3 ? "; …" : ""}`) + warned,
  });

  const log = i.changelog.trim();
  checks.push({
    id: "changelog",
    label: "Changelog present",
    ok: log.length >= MIN_CHANGELOG,
    detail:
      log.length >= MIN_CHANGELOG ? "Changelog given." : `Describe the change (at least ${MIN_CHANGELOG} characters).`,
  });

  let semverOk: boolean;
  let semverDetail: string;
  if (i.proposedBump === "invalid") {
    semverOk = false;
    semverDetail = "The version is not a semantic version (e.g. 1.4.0).";
  } else if (i.proposedBump === "none") {
    semverOk = false;
    semverDetail = "The version must be above the latest published version.";
  } else if (i.proposedBump === "initial") {
    semverOk = true;
    semverDetail = "First version of this flow.";
  } else if (i.requiredBump && ORDER[i.proposedBump] < ORDER[i.requiredBump]) {
    semverOk = false;
    semverDetail = `The changes need a ${i.requiredBump} version bump; this is a ${i.proposedBump} bump.`;
  } else {
    semverOk = true;
    semverDetail = `A ${i.proposedBump} bump${i.requiredBump ? ` (the changes need at least ${i.requiredBump})` : ""}.`;
  }
  checks.push({ id: "semver", label: "Semver bump matches the changes", ok: semverOk, detail: semverDetail });

  const needsReview = REVIEWED_CLASSIFICATIONS.includes(i.classification);
  checks.push({
    id: "classification",
    label: "Classification review",
    ok: !needsReview || i.classificationReviewed,
    detail: !needsReview
      ? `Not needed for ${i.classification} data.`
      : i.classificationReviewed
        ? `A review of the ${i.classification} classification is on record.`
        : `This flow handles ${i.classification} data: a steward or approver of the owning team must record a classification review first.`,
  });

  const contractIssues = i.contractIssues ?? [];
  checks.push({
    id: "contracts",
    label: "Emitted events match their contracts",
    ok: contractIssues.length === 0,
    detail:
      contractIssues.length === 0 ? "Every emitted event matches its contract." : contractIssues.slice(0, 5).join("; "),
  });

  return { ok: checks.every((c) => c.ok), checks };
}
