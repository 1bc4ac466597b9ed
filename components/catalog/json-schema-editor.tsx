"use client";
// A JSON editor for event contract schemas (CodeMirror 6 with the JSON language): highlighting, bracket
// matching, folding, and JSON syntax errors marked in place as you type.
import { closeBrackets } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { json, jsonParseLinter } from "@codemirror/lang-json";
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  indentOnInput,
  syntaxHighlighting,
} from "@codemirror/language";
import { linter, lintGutter } from "@codemirror/lint";
import { EditorView, keymap, lineNumbers } from "@codemirror/view";
import { clsx } from "clsx";
import { useCodeMirror } from "@/components/ui/use-codemirror";

const theme = EditorView.theme({
  "&": { fontSize: "12px", backgroundColor: "white", maxHeight: "22rem" },
  ".cm-content, .cm-gutter": { minHeight: "12rem" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { overflow: "auto", fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" },
  ".cm-gutters": { backgroundColor: "#f8fafc", borderRight: "1px solid #e2e8f0", color: "#94a3b8" },
});

export function JsonSchemaEditor({
  value,
  onChange,
  ariaLabel,
  invalid,
  id,
}: {
  value: string;
  onChange(next: string): void;
  ariaLabel: string;
  invalid?: boolean;
  id?: string;
}) {
  const host = useCodeMirror(value, onChange, () => [
    lineNumbers(),
    foldGutter(),
    lintGutter(),
    history(),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
    json(),
    linter(jsonParseLinter(), { delay: 300 }),
    syntaxHighlighting(defaultHighlightStyle),
    theme,
    EditorView.lineWrapping,
    EditorView.contentAttributes.of({ "aria-label": ariaLabel, ...(id ? { id } : {}) }),
  ]);

  const format = () => {
    try {
      onChange(JSON.stringify(JSON.parse(value), null, 2));
    } catch {
      // Not JSON yet: the linter already marks where.
    }
  };
  return (
    <div>
      <div
        ref={host}
        className={clsx(
          "mt-1 overflow-hidden rounded-md border bg-white focus-within:border-brand-500 focus-within:ring-1 focus-within:ring-brand-500",
          invalid ? "border-red-400" : "border-slate-300",
        )}
      />
      <div className="mt-1 flex justify-end">
        <button
          type="button"
          className="rounded border border-slate-200 bg-white px-2 py-0.5 text-xs text-slate-600 hover:bg-slate-50"
          onClick={format}
        >
          Format JSON
        </button>
      </div>
    </div>
  );
}

/** Parses an editor's text into a JSON Schema object, or says precisely why it is not one. */
export function parseSchemaText(text: string): { schema: Record<string, unknown> } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { error: `Not valid JSON: ${(e as Error).message}` };
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    return { error: 'A JSON Schema is an object, e.g. { "type": "object", "properties": { … } }.' };
  const s = v as Record<string, unknown>;
  if (s.type !== undefined && s.type !== "object")
    return { error: `An event's schema describes an object; this one has "type": ${JSON.stringify(s.type)}.` };
  if (
    s.properties !== undefined &&
    (typeof s.properties !== "object" || s.properties === null || Array.isArray(s.properties))
  )
    return { error: '"properties" must be an object of field schemas.' };
  if (s.required !== undefined && (!Array.isArray(s.required) || s.required.some((r) => typeof r !== "string")))
    return { error: '"required" must be a list of field names.' };
  const props = (s.properties ?? {}) as Record<string, unknown>;
  const missing = ((s.required ?? []) as string[]).filter((r) => !(r in props));
  if (missing.length)
    return {
      error: `"required" names ${missing.map((m) => `"${m}"`).join(", ")}, which ${missing.length === 1 ? "is" : "are"} not in "properties".`,
    };
  return { schema: s };
}
