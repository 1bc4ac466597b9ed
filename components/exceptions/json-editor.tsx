"use client";
// A JSON editor checked as you type — syntax, then the JSON Schema it must satisfy — with the diff of what
// changed against the original (jsondiffpatch, as JSON Patch operations).
import { useMemo } from "react";
import { diff } from "jsondiffpatch";
import { format as toJsonPatch } from "jsondiffpatch/formatters/jsonpatch";
import { validatePayload, type JsonSchema } from "@/core/governance/contract-compat";

export type Checked =
  | { ok: true; value: unknown; changes: Array<{ op: string; path: string; before?: unknown; after?: unknown }> }
  | { ok: false; error: string };

function pointer(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const raw of path.split("/").slice(1)) {
    const k = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

export function checkJson(text: string, original: unknown, schema?: JsonSchema | null): Checked {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `Not valid JSON: ${(e as Error).message}` };
  }
  if (schema) {
    const issues = validatePayload(schema, value);
    if (issues.length)
      return {
        ok: false,
        error: issues
          .slice(0, 4)
          .map((i) => `${i.path === "$" ? "input" : i.path.replace(/^\$\.?/, "")}: ${i.message}`)
          .join("; "),
      };
  }
  const delta = diff(original, value);
  const changes = delta
    ? toJsonPatch(delta).map((op) => ({
        op: op.op,
        path: op.path,
        before: op.op === "add" ? undefined : pointer(original, op.path),
        after: "value" in op ? op.value : undefined,
      }))
    : [];
  return { ok: true, value, changes };
}

export function JsonEditor({
  label,
  text,
  onChange,
  checked,
  schemaSource,
}: {
  label: string;
  text: string;
  onChange: (t: string) => void;
  checked: Checked;
  schemaSource?: string;
}) {
  const rows = useMemo(() => Math.min(18, Math.max(6, text.split("\n").length + 1)), [text]);
  return (
    <div className="space-y-2">
      <label className="block text-xs font-medium text-slate-600">
        {label}
        <textarea
          className="mt-1 block w-full rounded-md border border-slate-300 bg-slate-50 p-2 font-mono text-xs leading-relaxed"
          rows={rows}
          spellCheck={false}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      </label>
      {!checked.ok ? (
        <p role="alert" className="text-xs text-red-700">
          {checked.error}
        </p>
      ) : (
        <div aria-label="What changed" className="rounded-md border border-slate-200 bg-white p-2 text-xs">
          {schemaSource && <p className="mb-1 text-emerald-700">✓ Matches {schemaSource}</p>}
          {checked.changes.length === 0 ? (
            <p className="text-slate-500">No changes yet.</p>
          ) : (
            <ul className="space-y-0.5 font-mono">
              {checked.changes.map((c, i) => (
                <li key={i}>
                  <span className="text-slate-500">{c.path}</span>{" "}
                  {c.op !== "add" && <del className="bg-red-50 text-red-700">{JSON.stringify(c.before)}</del>}
                  {c.op !== "add" && c.op !== "remove" && " → "}
                  {c.op !== "remove" && (
                    <ins className="bg-emerald-50 text-emerald-800 no-underline">{JSON.stringify(c.after)}</ins>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
