// Amazon States Language data handling → JSONata: JSONPath references, payload templates (`"key.$": "$.x"`),
// intrinsic functions (`States.Format(…)`), and JSONata-mode `{% … %}` expressions with `$states.*`.
import { appendPath, literal } from "./common";
import { isObj } from "../is-obj";

export class Untranslatable extends Error {}

/** What `$` and the context object stand for where the path is evaluated. */
export interface PathScope {
  /** JSONata for the state's input (`$`). */
  input: string;
  /** JSONata for `$$.Map.Item.Value` / `$$.Map.Item.Index` (inside a Map's ItemSelector). */
  item?: string;
  index?: string;
  /** JSONata for `$states.result` (JSONata mode Output). */
  result?: string;
  /** JSONata for `$states.errorOutput` (JSONata mode Catch). */
  error?: string;
  /** ASL variables that hold a step's output (assigned as `weft export --to asl` does): `$<id>` → `$steps.<id>.output`. */
  vars?: ReadonlySet<string>;
}

const CONTEXT: Record<string, string> = {
  "Execution.Input": "$trigger",
  "Execution.Id": "$run.id",
  "Execution.Name": "$run.id",
  "Execution.StartTime": "$run.startedAt",
  "StateMachine.Name": "$flow.name",
  "Execution.RetryCount": "$run.attempt",
};

/** A JSONPath (`$.a.b[0]`, `$['a b']`, `$.items[*].id`, `$$.Execution.Input.x`) → JSONata. */
export function jsonPath(path: string, scope: PathScope): string {
  const p = path.trim();
  if (p.startsWith("$$.")) {
    const segs = segments(p.slice(2));
    const key2 = segs.slice(0, 2).join(".");
    const key3 = segs.slice(0, 3).join(".");
    if (key3 === "Map.Item.Value") {
      if (!scope.item) throw new Untranslatable(`${path} outside a Map state's item selector`);
      return appendPath(scope.item, segs.slice(3));
    }
    if (key3 === "Map.Item.Index") return scope.index ?? "$index";
    const base = CONTEXT[key2];
    if (!base) throw new Untranslatable(`the context object field ${path}`);
    return appendPath(base, segs.slice(2));
  }
  if (!p.startsWith("$")) throw new Untranslatable(`"${path}" is not a path`);
  const jsonata = appendPath(scope.input, segments(p.slice(1)));
  // JSONPath's [*] always yields an array; a JSONata path yields a lone value when one item matches.
  return /\[\*\]/.test(p) ? `[${jsonata}]` : jsonata;
}

/** `.a.b[0]['c d'][*]` → ["a", "b", 0, "c d"] ([*] is JSONata's implicit mapping over arrays). */
function segments(rest: string): (string | number)[] {
  const out: (string | number)[] = [];
  let i = 0;
  while (i < rest.length) {
    const s = rest.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\.([^.[\]]+)/.exec(s))) out.push(m[1]!);
    else if ((m = /^\[(\d+)\]/.exec(s))) out.push(Number(m[1]));
    else if ((m = /^\[\*\]/.exec(s))) {
      /* implicit in JSONata */
    } else if ((m = /^\['([^']*)'\]/.exec(s)) || (m = /^\["([^"]*)"\]/.exec(s))) out.push(m[1]!);
    else
      throw new Untranslatable(`the JSONPath part "${s}" (filters, slices and recursive descent are not translated)`);
    i += m[0].length;
  }
  return out;
}

// --- Intrinsic functions ---------------------------------------------------------------------------------

type Tok = { t: "str" | "num" | "path" | "name" | "op"; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      let s = "";
      while (j < src.length && src[j] !== "'") {
        if (src[j] === "\\") j++;
        s += src[j++] ?? "";
      }
      out.push({ t: "str", v: s });
      i = j + 1;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^-?\d+(?:\.\d+)?/.exec(src.slice(i)))) out.push({ t: "num", v: m[0] });
    else if ((m = /^\$\$?(?:\.[^,()\s.[\]]+|\[[^\]]*\])*/.exec(src.slice(i)))) out.push({ t: "path", v: m[0] });
    else if ((m = /^[A-Za-z][\w.]*/.exec(src.slice(i)))) out.push({ t: "name", v: m[0] });
    else if ((m = /^[(),]/.exec(src.slice(i)))) out.push({ t: "op", v: m[0] });
    else throw new Untranslatable(`the character '${c}'`);
    i += m[0].length;
  }
  return out;
}

/** `States.Format('Hi {}', $.name)` and friends → JSONata. */
export function intrinsic(src: string, scope: PathScope): string {
  const toks = tokenize(src);
  let i = 0;
  const arg = (): string => {
    const t = toks[i++];
    if (!t) throw new Untranslatable("an incomplete intrinsic");
    if (t.t === "str") return literal(t.v);
    if (t.t === "num") return t.v;
    if (t.t === "path") return jsonPath(t.v, scope);
    if (t.t === "name" && (t.v === "true" || t.v === "false" || t.v === "null")) return t.v;
    if (t.t === "name") {
      if (toks[i]?.v !== "(") throw new Untranslatable(`'${t.v}'`);
      i++;
      const args: string[] = [];
      const raw: Tok[] = [];
      while (toks[i]?.v !== ")") {
        raw.push(toks[i]!);
        args.push(arg());
        if (toks[i]?.v === ",") i++;
        else if (toks[i]?.v !== ")") throw new Untranslatable(`'${toks[i]?.v ?? "end"}' in ${t.v}(…)`);
      }
      i++;
      return call(t.v, args, raw);
    }
    throw new Untranslatable(`'${t.v}'`);
  };
  const out = arg();
  if (i !== toks.length) throw new Untranslatable("text after the intrinsic function");
  return out;
}

function call(name: string, a: string[], raw: Tok[]): string {
  switch (name) {
    case "States.Format": {
      const fmt = raw[0]?.t === "str" ? raw[0].v : undefined;
      if (fmt === undefined) throw new Untranslatable("States.Format without a literal template");
      const parts = fmt.split("{}");
      if (parts.length - 1 !== a.length - 1)
        throw new Untranslatable("States.Format with a different number of {} and arguments");
      return `(${
        parts
          .flatMap((p, k) => [literal(p), ...(k < a.length - 1 ? [`$string(${a[k + 1]})`] : [])])
          .filter((x) => x !== '""')
          .join(" & ") || '""'
      })`;
    }
    case "States.StringToJson":
      return `$eval(${a[0]})`;
    case "States.JsonToString":
      return `$string(${a[0]})`;
    case "States.Array":
      return `[${a.join(", ")}]`;
    case "States.ArrayContains":
      return `(${a[1]} in ${a[0]})`;
    case "States.ArrayGetItem":
      return `(${a[0]})[${a[1]}]`;
    case "States.ArrayLength":
      return `$count(${a[0]})`;
    case "States.ArrayUnique":
      return `$distinct(${a[0]})`;
    case "States.ArrayRange":
      if (a[2] !== "1") throw new Untranslatable("States.ArrayRange with a step other than 1");
      return `[${a[0]}..${a[1]}]`;
    case "States.Base64Encode":
      return `$base64encode(${a[0]})`;
    case "States.Base64Decode":
      return `$base64decode(${a[0]})`;
    case "States.JsonMerge":
      if (a[2] === "true") throw new Untranslatable("States.JsonMerge deep merge");
      return `$merge([${a[0]}, ${a[1]}])`;
    case "States.MathAdd":
      return `(${a[0]} + ${a[1]})`;
    case "States.MathRandom":
      return `($floor($random() * (${a[1]} - ${a[0]})) + ${a[0]})`;
    case "States.StringSplit":
      // Every character of the second argument is a delimiter, and empty pieces are left out ("a,,b" → ["a", "b"]):
      // each delimiter becomes the first one, then one split.
      return `( $splitBy := ${a[1]}; $sep := $substring($splitBy, 0, 1); [$filter($split($reduce($split($splitBy, ""), function($acc, $c) { $replace($acc, $c, $sep) }, ${a[0]}), $sep), function($v) { $v != "" })] )`;
    default:
      throw new Untranslatable(`the intrinsic ${name}`);
  }
}

/** A `.$` value: a path or an intrinsic. */
export function dynamicValue(v: unknown, scope: PathScope): string {
  if (typeof v !== "string") throw new Untranslatable("a '.$' key whose value is not a string");
  return v.trim().startsWith("States.") ? intrinsic(v, scope) : jsonPath(v, scope);
}

/** A JSONata-mode `{% expr %}` with `$states.input`/`.result`/`.errorOutput`/`.context` replaced. */
export function statesJsonata(expr: string, scope: PathScope): string {
  let e = expr.trim();
  // A variable, not a function call of the same name ($count vs $count(…)).
  if (scope.vars?.size)
    e = e.replace(/\$(\w+)\b(?!\s*\()/g, (m, v: string) => (scope.vars!.has(v) ? `$steps.${v}.output` : m));
  const rep = (re: RegExp, to: string | undefined, what: string) => {
    if (!re.test(e)) return;
    if (to === undefined) throw new Untranslatable(`${what} here`);
    e = e.replace(re, `(${to})`);
  };
  rep(/\$states\.input\b/g, scope.input, "$states.input");
  rep(/\$states\.result\b/g, scope.result, "$states.result");
  rep(/\$states\.errorOutput\b/g, scope.error, "$states.errorOutput");
  e = e
    .replace(/\$states\.context\.Execution\.Input\b/g, "$trigger")
    .replace(/\$states\.context\.Map\.Item\.Value\b/g, scope.item ?? "$item")
    .replace(/\$states\.context\.Map\.Item\.Index\b/g, "$index");
  if (/\$states\b/.test(e))
    throw new Untranslatable("a $states field other than input, result, errorOutput and the execution input");
  return e;
}

/** A payload template (ASL `Parameters`/`ResultSelector`/`ItemSelector`, or JSONata-mode `Arguments`/`Output`) → JSONata. */
export function template(v: unknown, scope: PathScope, onFail: (what: string) => void): string {
  if (typeof v === "string") {
    const m = /^\{%([\s\S]*)%\}$/.exec(v.trim());
    if (m) {
      try {
        return statesJsonata(m[1]!, scope);
      } catch (e) {
        if (!(e instanceof Untranslatable)) throw e;
        onFail(`${JSON.stringify(v)}: ${e.message}`);
        return literal(v);
      }
    }
    return literal(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => template(x, scope, onFail)).join(", ")}]`;
  if (!isObj(v)) return literal(v);
  const fields = Object.entries(v).map(([k, x]) => {
    if (k.endsWith(".$")) {
      try {
        return `${literal(k.slice(0, -2))}: ${dynamicValue(x, scope)}`;
      } catch (e) {
        if (!(e instanceof Untranslatable)) throw e;
        onFail(`"${k}": ${JSON.stringify(x)} (${e.message})`);
        return `${literal(k.slice(0, -2))}: ${literal(x)}`;
      }
    }
    return `${literal(k)}: ${template(x, scope, onFail)}`;
  });
  return `{${fields.join(", ")}}`;
}
