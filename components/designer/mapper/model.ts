// The data mapper's model: a mapping (one JSONata expression, or field path → JSONata) seen as target
// fields with rules, the source and target trees, the checks shown before saving (unmapped required
// fields, type mismatches, unknown fields, bad syntax) and the scope the live preview evaluates in.
// Pure: the component and the unit tests share it.
import { checkExpression, type ExpressionScope, type Mapping } from "@/core/dsl";
import { FN_BY_ID, decomposeObject, parseRule, renderRule, sourcePath, type FieldRule } from "./rules";
import {
  findNode,
  sampleTree,
  schemaTree,
  TYPE_LABEL,
  typeOfValue,
  typesCompatible,
  walkTree,
  type FieldNode,
  type FieldType,
} from "./schema-tree";
import type { JsonSchema, MapperSource } from "./types";

// ---------------------------------------------------------------------------------------------------
// Mapping ⇄ fields

export type MappingView = { mode: "fields"; fields: Record<string, string> } | { mode: "expression"; expr: string };

/** Field mappings as they are; one expression as fields when it is exactly an object constructor, else as it is. */
export function mappingView(m: Mapping): MappingView {
  if (typeof m !== "string") return { mode: "fields", fields: m };
  const fields = decomposeObject(m);
  return fields ? { mode: "fields", fields } : { mode: "expression", expr: m };
}

/**
 * The JSONata the code view shows: field mappings as one object constructor, one field per line. Values
 * that read as mapper rules go in bare; anything else in parentheses, exactly as written (multi-line
 * text is not re-indented, so reading it back gives the same text).
 */
export function mappingCode(m: Mapping): string {
  if (typeof m === "string") return m;
  if (Object.keys(m).length === 0) return "{}";
  interface Node {
    leaf?: string;
    children: Map<string, Node>;
  }
  const root: Node = { children: new Map() };
  for (const [path, expr] of Object.entries(m)) {
    let node = root;
    for (const seg of path.split(".")) {
      let c = node.children.get(seg);
      if (!c) node.children.set(seg, (c = { children: new Map() }));
      node = c;
    }
    node.leaf = expr;
  }
  const render = (n: Node, indent: string): string => {
    if (n.children.size === 0) {
      const e = n.leaf ?? "null";
      const r = parseRule(e);
      return r.kind === "custom" || r.kind === "each" ? `(${e})` : e;
    }
    const inner = indent + "  ";
    return `{\n${[...n.children].map(([k, v]) => `${inner}${JSON.stringify(k)}: ${render(v, inner)}`).join(",\n")}\n${indent}}`;
  };
  return render(root, "");
}

/** What the code view's text means as a mapping: field mappings when it says exactly that, else the text itself. */
export function mappingFromCode(text: string): Mapping {
  return decomposeObject(text) ?? text;
}

/** Sets (or with null, removes) one target field; a mapping held as one expression becomes field mappings. */
export function setField(m: Mapping, path: string, expr: string | null): Mapping {
  const view = mappingView(m);
  if (view.mode === "expression") throw new Error("This mapping is one custom expression; edit it in the code view.");
  const next: Record<string, string> = {};
  // Keep the order; a new field goes last. Mapping a field as a whole replaces what was mapped inside it.
  for (const [k, v] of Object.entries(view.fields)) {
    if (k === path) {
      if (expr !== null) next[k] = expr;
    } else if (expr !== null && (k.startsWith(`${path}.`) || path.startsWith(`${k}.`))) continue;
    else next[k] = v;
  }
  if (expr !== null && !(path in next)) next[path] = expr;
  return next;
}

/** Sets one field of an element-wise list mapping (relative to an element). */
export function setEachField(
  rule: Extract<FieldRule, { kind: "each" }>,
  path: string,
  expr: string | null,
): Extract<FieldRule, { kind: "each" }> {
  return { ...rule, fields: setField(rule.fields, path, expr) as Record<string, string> };
}

// ---------------------------------------------------------------------------------------------------
// Trees

export interface SourceTree {
  source: MapperSource;
  tree: FieldNode;
}

export function sourceTrees(sources: readonly MapperSource[]): SourceTree[] {
  return sources.map((source) => {
    const fromSchema = source.schema ? schemaTree(source.schema, source.label) : null;
    // A schema that names no fields (an open object) must not hide what a pinned sample shows.
    const tree =
      fromSchema && (fromSchema.children.length > 0 || source.sample === undefined)
        ? fromSchema
        : source.sample !== undefined
          ? sampleTree(source.sample, source.label)
          : ({
              name: source.label,
              path: "",
              type: "any",
              required: false,
              nullable: false,
              children: [],
            } satisfies FieldNode);
    return { source, tree };
  });
}

export interface SourceField {
  expr: string;
  node: FieldNode;
  /** The source's label and the field's path, for messages. */
  sourceLabel: string;
  /** The path crosses a list: the expression yields one value per element. */
  throughList: boolean;
}

/** Every source field by its JSONata path ("$trigger.customer.name"). */
export function sourceIndex(trees: readonly SourceTree[]): Map<string, SourceField> {
  const out = new Map<string, SourceField>();
  for (const { source, tree } of trees) {
    for (const node of walkTree(tree)) {
      const expr = sourcePath(source.ref, node.path);
      if (!out.has(expr))
        out.set(expr, {
          expr,
          node,
          sourceLabel: source.label,
          throughList:
            node.path.split(".").slice(0, -1).includes("[]") || (node.path.endsWith("[]") && node.path !== "[]"),
        });
    }
  }
  return out;
}

/** The fields of one element of a source list, by their path relative to the element ("sku"). */
export function elementIndex(list: FieldNode, sourceLabel: string): Map<string, SourceField> {
  const out = new Map<string, SourceField>();
  const base = list.path ? `${list.path}.` : "";
  for (const child of list.children) {
    for (const node of walkTree(child)) {
      const rel = node.path.startsWith(base) ? node.path.slice(base.length) : node.path;
      const expr = sourcePath("", rel.replace(/^\[\]\.?/, ""));
      if (expr && !out.has(expr))
        out.set(expr, { expr, node, sourceLabel, throughList: rel.split(".").slice(1, -1).includes("[]") });
    }
  }
  return out;
}

export interface TargetTree {
  tree: FieldNode;
  /** Mapped paths that the target schema does not describe. */
  extra: Set<string>;
}

/** The target tree: the schema's fields plus any mapped field it lacks; without a schema, the mapped fields. */
export function targetTree(
  schema: JsonSchema | undefined,
  fields: Record<string, string>,
  label = "Output",
): TargetTree {
  const tree = schema
    ? schemaTree(schema, label)
    : ({ name: label, path: "", type: "object", required: true, nullable: false, children: [] } satisfies FieldNode);
  const extra = new Set<string>();
  for (const path of Object.keys(fields)) {
    let node = tree;
    const segs = path.split(".");
    segs.forEach((seg, i) => {
      let child = node.children.find((c) => c.name === seg);
      if (!child) {
        const p = segs.slice(0, i + 1).join(".");
        child = {
          name: seg,
          path: p,
          type: i === segs.length - 1 ? "any" : "object",
          required: false,
          nullable: false,
          children: [],
        };
        node.children.push(child);
        if (schema) extra.add(p);
      }
      node = child;
    });
  }
  return { tree, extra };
}

// ---------------------------------------------------------------------------------------------------
// Checks

export interface MapperProblem {
  severity: "error" | "warning";
  code: "required-unmapped" | "type-mismatch" | "unknown-source" | "unknown-target" | "syntax" | "list-to-value";
  /** The target field ("" for the whole mapping). */
  path: string;
  message: string;
}

interface RuleType {
  type: FieldType;
  list: boolean;
  from?: string;
}

function ruleType(rule: FieldRule, index: ReadonlyMap<string, SourceField>): RuleType {
  switch (rule.kind) {
    case "source": {
      const f = index.get(rule.source);
      return f ? { type: f.node.type, list: f.throughList, from: rule.source } : { type: "any", list: false };
    }
    case "literal":
      return { type: typeOfValue(rule.value), list: false };
    case "each":
      return { type: "array", list: false };
    case "custom":
      return { type: "any", list: false };
    case "fn": {
      const def = FN_BY_ID.get(rule.fn)!;
      const f = rule.sources.length === 1 ? index.get(rule.sources[0]!) : undefined;
      if (rule.fn === "default")
        return f ? { type: f.node.type, list: f.throughList, from: rule.sources[0] } : { type: "any", list: false };
      return { type: def.output, list: rule.sources.some((s) => index.get(s)?.throughList) && rule.fn !== "concat" };
    }
  }
}

const HINT: Partial<Record<FieldType, string>> = {
  string: 'apply "To text" (or "Money", "Format date", "Format number")',
  number: 'apply "To number" or "Round"',
  integer: 'apply "Round" with 0 decimals',
  boolean: 'apply "To yes/no"',
};

function sourcesOf(rule: FieldRule): string[] {
  return rule.kind === "source"
    ? [rule.source]
    : rule.kind === "fn"
      ? rule.sources
      : rule.kind === "each"
        ? [rule.source]
        : [];
}

/** Whether a path names a field of a known source (the source describes its fields). */
function unknownSource(expr: string, index: ReadonlyMap<string, SourceField>, roots: readonly string[]): string | null {
  if (index.has(expr)) return null;
  const root = [...roots].sort((a, b) => b.length - a.length).find((r) => expr === r || expr.startsWith(`${r}.`));
  if (!root) return null;
  const rootField = index.get(root);
  if (!rootField || rootField.node.children.length === 0) return null; // nothing known about its fields
  // Walk down as far as the tree knows: a field under an "any" node is not unknown.
  const rest = expr.slice(root.length + 1).split(".");
  let node: FieldNode | undefined = rootField.node;
  for (const seg of rest) {
    if (!node || node.type === "any" || (node.children.length === 0 && node.type !== "object")) return null;
    node = node.children.find((c) => c.name === seg.replace(/^`|`$/g, ""));
    if (!node) return `${expr} is not a field that ${rootField.sourceLabel} describes.`;
  }
  return null;
}

/**
 * What the mapper flags before saving: required target fields left unmapped (errors), values of the
 * wrong type or a list where one value is expected (warnings), fields that neither side knows, bad syntax.
 */
export function checkMapping(
  value: Mapping,
  sources: readonly MapperSource[],
  target?: { label: string; schema: JsonSchema },
): MapperProblem[] {
  const problems: MapperProblem[] = [];
  const view = mappingView(value);
  if (view.mode === "expression") {
    const c = checkExpression(view.expr);
    if (!c.ok)
      problems.push({
        severity: "error",
        code: "syntax",
        path: "",
        message: `The expression does not parse: ${c.message}`,
      });
    return problems; // one custom expression: nothing more can be said about fields
  }
  const trees = sourceTrees(sources);
  const index = sourceIndex(trees);
  const roots = sources.map((s) => s.ref);
  const { tree, extra } = targetTree(target?.schema, view.fields, target?.label);

  const checkFields = (
    fields: Record<string, string>,
    root: FieldNode,
    idx: ReadonlyMap<string, SourceField>,
    prefix: string,
    withSchema: boolean,
    extraPaths: ReadonlySet<string>,
  ) => {
    for (const [path, expr] of Object.entries(fields)) {
      const full = prefix ? `${prefix}.${path}` : path;
      const c = checkExpression(expr);
      if (!c.ok) {
        problems.push({
          severity: "error",
          code: "syntax",
          path: full,
          message: `${full}: the expression does not parse: ${c.message}`,
        });
        continue;
      }
      const rule = parseRule(expr);
      for (const s of sourcesOf(rule)) {
        const unknown =
          unknownSource(s, idx, prefix ? [] : roots) ??
          (prefix && !idx.has(s) && !s.startsWith("$") && idx.size > 0
            ? `${s} is not a field that the list's elements describe.`
            : null);
        if (unknown)
          problems.push({ severity: "warning", code: "unknown-source", path: full, message: `${full}: ${unknown}` });
      }
      if (withSchema && extraPaths.has(path))
        problems.push({
          severity: "warning",
          code: "unknown-target",
          path: full,
          message: `${full} is not a field of ${target?.label ?? "the target"}.`,
        });
      const t = findNode(root, path);
      if (!t || extraPaths.has(path)) continue;
      const rt = ruleType(rule, idx);
      if (t.type === "array") {
        if (rule.kind === "each") {
          const srcField = idx.get(rule.source);
          const elIdx = srcField ? elementIndex(srcField.node, srcField.sourceLabel) : new Map<string, SourceField>();
          const elTree = elementTarget(t);
          const elTarget = targetTree(undefined, rule.fields).tree;
          const elExtra = new Set(Object.keys(rule.fields).filter((p) => !findNode(elTree, p)));
          checkFields(
            rule.fields,
            mergeTrees(elTree, elTarget),
            new Map([...idx, ...elIdx]),
            full,
            withSchema && t.children.length > 0,
            elExtra,
          );
          checkRequired(elTree, rule.fields, full);
          if (srcField && srcField.node.type !== "array" && srcField.node.type !== "any")
            problems.push({
              severity: "warning",
              code: "type-mismatch",
              path: full,
              message: `${full} is a list, but ${rule.source} is a single ${TYPE_LABEL[srcField.node.type]}; each of its values becomes one element.`,
            });
        } else if (rt.type !== "array" && rt.type !== "any" && !rt.list)
          problems.push({
            severity: "warning",
            code: "type-mismatch",
            path: full,
            message: `${full} is a list, but it gets a single ${TYPE_LABEL[rt.type]}${rt.from ? ` from ${rt.from}` : ""}; map a list onto it.`,
          });
        continue;
      }
      if (rt.list && t.type !== "any") {
        problems.push({
          severity: "warning",
          code: "list-to-value",
          path: full,
          message: `${full} expects one ${TYPE_LABEL[t.type]}, but ${rt.from ?? "the expression"} yields one value per list element; map the list element-wise or aggregate it.`,
        });
        continue;
      }
      if (!typesCompatible(rt.type, t.type) && rt.type !== "null") {
        const hint = HINT[t.type];
        problems.push({
          severity: "warning",
          code: "type-mismatch",
          path: full,
          message: `${full} expects ${article(TYPE_LABEL[t.type])} but gets ${article(TYPE_LABEL[rt.type])}${rt.from ? ` from ${rt.from}` : ""}${hint ? `; ${hint}` : ""}.`,
        });
      }
    }
  };

  const checkRequired = (root: FieldNode, fields: Record<string, string>, prefix: string) => {
    const paths = Object.keys(fields);
    const visit = (node: FieldNode) => {
      for (const child of node.children) {
        const covered = paths.some((p) => p === child.path || child.path.startsWith(`${p}.`));
        if (covered) continue;
        const inside = paths.some((p) => p.startsWith(`${child.path}.`));
        const full = prefix ? `${prefix}.${child.path}` : child.path;
        // An unmapped required object names its required fields (what to map), unless it has none.
        if (child.type === "object" && (inside || (child.required && child.children.some((c) => c.required))))
          visit(child);
        else if (child.required && !inside)
          problems.push({
            severity: "error",
            code: "required-unmapped",
            path: full,
            message: `${full} is required${target ? ` by ${target.label}` : ""} but not mapped.`,
          });
      }
    };
    visit(root);
  };

  checkFields(view.fields, tree, index, "", !!target, extra);
  if (target) checkRequired(tree, view.fields, "");
  return problems;
}

const article = (w: string) => (/^[aeiou]/.test(w) ? `an ${w}` : `a ${w}`);

/** A subtree re-rooted at `base` (element fields get paths relative to the list). */
function rebase(node: FieldNode, base: string): FieldNode {
  const strip = (p: string) => p.slice(base.length).replace(/^\.(\[\]\.?)?/, "");
  const go = (n: FieldNode): FieldNode => ({ ...n, path: strip(n.path), children: n.children.map(go) });
  return go(node);
}

/** `a` with the nodes of `b` it lacks. */
function mergeTrees(a: FieldNode, b: FieldNode): FieldNode {
  const children = [...a.children];
  for (const c of b.children) {
    const i = children.findIndex((x) => x.name === c.name);
    if (i < 0) children.push(c);
    else children[i] = mergeTrees(children[i]!, c);
  }
  return { ...a, children };
}

/** Re-roots a target list's element fields (for the element-wise view). */
function elementTarget(list: FieldNode): FieldNode {
  return { ...list, path: "", children: list.children.map((c) => rebase(c, list.path)) };
}

// ---------------------------------------------------------------------------------------------------
// Preview

/** The scope the preview evaluates in: each source's pinned sample under its ref. */
export function previewScope(sources: readonly MapperSource[]): { scope: ExpressionScope; missing: string[] } {
  const scope: ExpressionScope = {};
  const steps: Record<string, { output?: unknown }> = {};
  const missing: string[] = [];
  for (const s of sources) {
    if (s.sample === undefined) {
      missing.push(s.label);
      continue;
    }
    if (s.ref === "$trigger") scope.trigger = s.sample;
    else if (s.ref === "$item") scope.item = s.sample;
    else {
      const m = /^\$steps\.(.+)\.output$/.exec(s.ref);
      if (m) steps[m[1]!.replace(/^`|`$/g, "")] = { output: s.sample };
    }
  }
  if (Object.keys(steps).length) scope.steps = steps;
  return { scope, missing };
}

/** The value at a dotted path of a preview result. */
export function valueAt(v: unknown, path: string): unknown {
  let cur = v;
  for (const seg of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

export { parseRule, renderRule };
