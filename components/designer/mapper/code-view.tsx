"use client";
// The mapper's code view: the whole mapping as JSONata. Typing keeps the text as written; what it means
// is written back as field mappings when it is exactly an object constructor (so the field view shows
// it), otherwise as the one expression it is (the field view shows it as custom). Text that does not
// parse is not written, and says why.
import { useEffect, useRef, useState } from "react";
import { checkExpression, type Mapping } from "@/core/dsl";
import { ExpressionField, type ExprScope } from "../expression-field";
import { mappingCode, mappingFromCode, mappingView } from "./model";

const key = (m: Mapping) => JSON.stringify(m);

export function CodeView({
  value,
  onChange,
  scope,
  readOnly,
}: {
  value: Mapping;
  onChange(next: Mapping): void;
  scope: ExprScope;
  readOnly?: boolean;
}) {
  const [text, setText] = useState(() => mappingCode(value));
  const [error, setError] = useState<string | null>(null);
  const emitted = useRef<string>(key(value));

  // A change from the field view (or undo) replaces the text; our own echo does not (the cursor stays).
  useEffect(() => {
    if (key(value) !== emitted.current) {
      emitted.current = key(value);
      setText(mappingCode(value));
      setError(null);
    }
  }, [value]);

  const edit = (t: string) => {
    setText(t);
    const c = checkExpression(t);
    if (!c.ok) {
      setError(`${c.message}${c.position !== null ? ` (at character ${c.position})` : ""}`);
      return;
    }
    setError(null);
    const next = mappingFromCode(t);
    if (key(next) === key(value)) return;
    emitted.current = key(next);
    onChange(next);
  };

  const view = mappingView(value);
  return (
    <div className="flex min-h-0 flex-1 flex-col gap-2 p-3">
      <div className="min-h-0 flex-1 overflow-auto" data-testid="mapper-code">
        <ExpressionField
          value={text}
          onChange={edit}
          scope={scope}
          ariaLabel="Mapping JSONata"
          readOnly={readOnly}
          multiline
        />
      </div>
      {error ? (
        <p role="alert" className="rounded bg-red-50 px-2 py-1 text-xs text-red-800">
          Not applied — the JSONata does not parse: {error}
        </p>
      ) : view.mode === "fields" ? (
        <p className="text-xs text-slate-500">
          In sync: the field view shows {Object.keys(view.fields).length} mapped field(s).
        </p>
      ) : (
        <p className="text-xs text-violet-700">
          One custom expression: the field view shows it as custom and keeps it exactly as written.
        </p>
      )}
    </div>
  );
}
