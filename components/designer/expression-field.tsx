"use client";
// A JSONata expression editor (CodeMirror 6): syntax highlighting, bracket matching, and autocomplete of
// what is in scope at this node — $trigger fields, upstream $steps.<id>.output fields, $item inside a
// foreach — plus JSONata's built-in functions. Fields come from JSON Schemas and pinned samples.
import {
  autocompletion,
  closeBrackets,
  type Completion,
  type CompletionContext,
  type CompletionResult,
} from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, HighlightStyle, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState } from "@codemirror/state";
import { EditorView, keymap, placeholder as cmPlaceholder } from "@codemirror/view";
import { useCodeMirror } from "@/components/ui/use-codemirror";
import { tags as t } from "@lezer/highlight";
import { clsx } from "clsx";
import { useEffect, useRef } from "react";
import type { ExprScope } from "./scope-paths";
import { STAFFING_FUNCTION_NAMES, STAFFING_FUNCTION_SIGNATURES } from "@/core/staffing/rank";

export type { ExprScope };

const FUNCTIONS = [
  "string",
  "length",
  "substring",
  "substringBefore",
  "substringAfter",
  "uppercase",
  "lowercase",
  "trim",
  "pad",
  "contains",
  "split",
  "join",
  "match",
  "replace",
  "number",
  "abs",
  "floor",
  "ceil",
  "round",
  "power",
  "sqrt",
  "random",
  "formatNumber",
  "formatBase",
  "formatInteger",
  "parseInteger",
  "sum",
  "max",
  "min",
  "average",
  "count",
  "append",
  "sort",
  "reverse",
  "shuffle",
  "distinct",
  "zip",
  "filter",
  "map",
  "reduce",
  "single",
  "sift",
  "each",
  "keys",
  "lookup",
  "spread",
  "merge",
  "type",
  "exists",
  "not",
  "boolean",
  "assert",
  "error",
  "now",
  "millis",
  "fromMillis",
  "toMillis",
  "base64encode",
  "base64decode",
  "encodeUrlComponent",
  "decodeUrlComponent",
  // Weft's own (core/staffing), bound beside JSONata's.
  ...STAFFING_FUNCTION_NAMES,
];
const KEYWORDS = new Set(["and", "or", "in", "true", "false", "null", "function"]);

const jsonata = StreamLanguage.define<{ comment: boolean }>({
  startState: () => ({ comment: false }),
  token(stream, state) {
    if (state.comment) {
      if (stream.skipTo("*/")) {
        stream.next();
        stream.next();
        state.comment = false;
      } else stream.skipToEnd();
      return "comment";
    }
    if (stream.eatSpace()) return null;
    if (stream.match("/*")) {
      state.comment = true;
      return "comment";
    }
    const ch = stream.peek();
    if (ch === '"' || ch === "'") {
      const q = stream.next();
      let esc = false;
      for (let c = stream.next(); c !== undefined; c = stream.next()) {
        if (c === q && !esc) break;
        esc = !esc && c === "\\";
      }
      return "string";
    }
    if (ch === "`") {
      stream.next();
      if (stream.skipTo("`")) stream.next();
      else stream.skipToEnd();
      return "propertyName";
    }
    if (stream.match(/^-?\d+(\.\d+)?([eE][+-]?\d+)?/)) return "number";
    if (stream.match(/^\$[A-Za-z_][\w]*(?=\s*\()/)) return "function";
    if (stream.match(/^\$[A-Za-z_]?[\w]*/)) return "variableName";
    if (stream.match(/^[A-Za-z_][\w]*/)) return KEYWORDS.has(stream.current()) ? "keyword" : "propertyName";
    if (stream.match(/^(:=|!=|<=|>=|~>|\?:|\?\?|\.\.|[-+*/%=<>&?:!.|^#@])/)) return "operator";
    stream.next();
    return "punctuation";
  },
  languageData: { closeBrackets: { brackets: ["(", "[", "{", "'", '"', "`"] } },
});

const highlight = HighlightStyle.define([
  { tag: t.string, color: "#047857" },
  { tag: t.number, color: "#b45309" },
  { tag: t.keyword, color: "#7c3aed", fontWeight: "600" },
  { tag: t.variableName, color: "#1d4ed8", fontWeight: "600" },
  { tag: t.function(t.variableName), color: "#9333ea" },
  { tag: t.propertyName, color: "#0f172a" },
  { tag: t.operator, color: "#db2777" },
  { tag: t.comment, color: "#94a3b8", fontStyle: "italic" },
  { tag: t.punctuation, color: "#64748b" },
]);

const theme = EditorView.theme({
  "&": { fontSize: "12px", backgroundColor: "white" },
  "&.cm-focused": { outline: "none" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", padding: "5px 0" },
  ".cm-line": { padding: "0 8px" },
  ".cm-tooltip-autocomplete": { fontSize: "12px" },
});

function complete(getScope: () => ExprScope) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const word = ctx.matchBefore(/\$[\w]*(?:\.[\w`]*)*/);
    if (!word || (word.from === word.to && !ctx.explicit)) return null;
    const text = word.text;
    const dot = text.lastIndexOf(".");
    const scope = getScope();
    if (dot < 0) {
      const roots = new Map<string, Completion>();
      for (const p of scope.paths) {
        const root = p.path.split(".")[0]!;
        if (!roots.has(root))
          roots.set(root, { label: root, type: "variable", detail: p.path === root ? p.type : undefined, boost: 2 });
      }
      const fns: Completion[] = FUNCTIONS.map((f) => ({
        label: `$${f}`,
        type: "function",
        apply: `$${f}(`,
        // Weft's own functions show how they are called (docs/dsl.md "Staffing functions").
        detail: Object.hasOwn(STAFFING_FUNCTION_SIGNATURES, f)
          ? STAFFING_FUNCTION_SIGNATURES[f as keyof typeof STAFFING_FUNCTION_SIGNATURES].usage
          : undefined,
      }));
      return { from: word.from, options: [...roots.values(), ...fns], validFor: /^\$\w*$/ };
    }
    const parent = text.slice(0, dot);
    const seen = new Set<string>();
    const options: Completion[] = [];
    for (const p of scope.paths) {
      if (!p.path.startsWith(`${parent}.`)) continue;
      const rest = p.path.slice(parent.length + 1);
      if (rest.includes(".")) continue;
      if (seen.has(rest)) continue;
      seen.add(rest);
      options.push({ label: rest, type: "property", detail: p.type, info: p.detail });
    }
    return options.length ? { from: word.from + dot + 1, options, validFor: /^[\w`]*$/ } : null;
  };
}

export function ExpressionField({
  value,
  onChange,
  scope,
  ariaLabel,
  field,
  invalid,
  placeholder,
  readOnly,
  multiline,
}: {
  value: string;
  onChange(next: string): void;
  scope: ExprScope;
  ariaLabel: string;
  /** data-field for problem focus ("input.amount"). */
  field?: string;
  invalid?: boolean;
  placeholder?: string;
  readOnly?: boolean;
  multiline?: boolean;
}) {
  const scopeRef = useRef(scope);
  scopeRef.current = scope;
  // The name can change while the editor lives (a mapping row's key renamed): its attributes follow.
  const attrs = useRef(new Compartment());
  const contentAttrs = () =>
    EditorView.contentAttributes.of({
      "aria-label": ariaLabel,
      "data-field": field ?? "",
      "data-testid": "expression-editor",
    });
  const host = useCodeMirror(value, onChange, () => [
    history(),
    keymap.of([...defaultKeymap, ...historyKeymap]),
    jsonata,
    syntaxHighlighting(highlight),
    bracketMatching(),
    closeBrackets(),
    autocompletion({ override: [complete(() => scopeRef.current)], activateOnTyping: true, icons: false }),
    theme,
    EditorView.lineWrapping,
    EditorState.readOnly.of(!!readOnly),
    attrs.current.of(contentAttrs()),
    ...(placeholder ? [cmPlaceholder(placeholder)] : []),
  ]);
  useEffect(() => {
    const view = host.current?.firstElementChild
      ? EditorView.findFromDOM(host.current.firstElementChild as HTMLElement)
      : null;
    view?.dispatch({ effects: attrs.current.reconfigure(contentAttrs()) });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- contentAttrs reads exactly these
  }, [ariaLabel, field]);

  return (
    <div
      ref={host}
      className={clsx(
        "overflow-hidden rounded-md border bg-white focus-within:border-brand-500 focus-within:ring-2 focus-within:ring-brand-100",
        invalid ? "border-red-400" : "border-slate-300",
        multiline ? "min-h-[64px]" : "min-h-[30px]",
      )}
      // Keystrokes in the editor must not reach the canvas shortcuts (Delete, Ctrl+Z, Ctrl+C).
      onKeyDown={(e) => e.stopPropagation()}
    />
  );
}
