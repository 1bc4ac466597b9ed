// Connecting steps without a mouse: the exits a node has (the source handles a drag would start from) and
// the steps each can lead to, for the inspector's "Connections" pickers. Error routes and compensation
// have their own pickers in "Error handling"; a picked target goes through `connect` like a drawn arrow.
import { APPROVAL_ROUTES } from "@/core/dsl";
import { stepHandleSpecs, TRIGGER_HANDLES } from "./geometry";
import { TRIGGER_NODE_ID, type DEdge, type DNode } from "./model";

export interface Exit {
  /** The source handle (`next`, `case-0`, `body`, …). */
  handle: string;
  /** What the exit is, as a sentence start: "Then", "Case 'amount > 100'", "Loop body starts with". */
  label: string;
  /** The node it leads to now, if any. */
  target: string | null;
  /** The nodes it may lead to. */
  choices: DNode[];
}

const branchOf = (n: DNode): number | undefined => (n.data.kind === "step" ? n.data.branch : undefined);

function exitLabel(node: DNode, handle: string, title?: string): string {
  if (handle === "start") return "First step";
  if (handle === "next")
    return node.data.kind === "step" && node.data.step.type === "approval" ? "Any other decision goes to" : "Then";
  if (handle === "default") return "Otherwise (default)";
  if (handle === "body") return "Loop body starts with";
  const m = /^(case|decision|branch)-(\d+)$/.exec(handle);
  if (m?.[1] === "case") return `Case ${Number(m[2]) + 1}${title ? ` (${title})` : ""}`;
  if (m?.[1] === "decision") return `On ${APPROVAL_ROUTES[Number(m[2])] ?? m[2]}`;
  if (m?.[1] === "branch") return `${title ?? `Branch ${Number(m[2]) + 1}`} starts with`;
  return title ?? handle;
}

/** A node's exits other than error routes and compensation, each with where it leads and may lead. */
export function exitsOf(node: DNode, nodes: readonly DNode[], edges: readonly DEdge[]): Exit[] {
  const specs =
    node.id === TRIGGER_NODE_ID || node.data.kind === "trigger"
      ? TRIGGER_HANDLES
      : node.data.kind === "step"
        ? stepHandleSpecs(node.data.step)
        : [];
  const steps = nodes.filter((n) => n.data.kind === "step" && n.id !== node.id);
  // The steps beside this one: same container and, in a parallel box, the same branch.
  const siblings = steps.filter((n) => n.parentId === node.parentId && branchOf(n) === branchOf(node));
  const out: Exit[] = [];
  for (const s of specs) {
    if (s.type !== "source" || s.id === null || s.id === "compensate" || s.id.startsWith("catch-")) continue;
    const h = s.id;
    const branch = /^branch-(\d+)$/.exec(h);
    const choices =
      h === "start"
        ? steps.filter((n) => n.parentId === undefined)
        : h === "body"
          ? steps.filter((n) => n.parentId === node.id)
          : branch
            ? steps.filter((n) => n.parentId === node.id && branchOf(n) === Number(branch[1]))
            : siblings;
    const target = edges.find((e) => e.source === node.id && (e.sourceHandle ?? "next") === h)?.target ?? null;
    out.push({ handle: h, label: exitLabel(node, h, s.title), target, choices });
  }
  return out;
}
