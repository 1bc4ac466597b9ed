// n8n expressions (`={{ $json.x }}`, `=Hello {{ $node["A"].json.name }}`) → JSONata. n8n expressions are
// JavaScript; the subset that is paths, literals and simple operators translates, anything else (method calls
// we do not know, arrow functions, Luxon) is kept as the original text and reported, never guessed at.
import { appendPath, literal } from "./common";

export interface N8nExprContext {
  /** JSONata for `$json` / `$input.item.json`: the current input of the node. */
  json: () => string;
  /** JSONata for `$node["A"].json` / `$('A').item.json`; undefined when there is no such node. */
  node: (name: string) => string | undefined;
}

export type Translated = { ok: true; expr: string } | { ok: false; expr: string; reason: string };

class Untranslatable extends Error {}

type Tok = { t: "num" | "str" | "id" | "op"; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      out.push({ t: "num", v: m[0] });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\") {
          const n = src[j + 1];
          s += n === "n" ? "\n" : n === "t" ? "\t" : (n ?? "");
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new Untranslatable("an unterminated string");
      out.push({ t: "str", v: s });
      i = j + 1;
      continue;
    }
    if (c === "`") throw new Untranslatable("a template literal");
    const id = /^[A-Za-z_$][\w$]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: "id", v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = /^(?:===|!==|==|!=|<=|>=|&&|\|\||\?\.|=>|[-+*/%<>!?:.,()[\]{}])/.exec(src.slice(i));
    if (!op) throw new Untranslatable(`the character '${c}'`);
    if (op[0] === "=>") throw new Untranslatable("an arrow function");
    out.push({ t: "op", v: op[0] === "?." ? "." : op[0] });
    i += op[0].length;
  }
  return out;
}

const METHODS: Record<string, (self: string, args: string[]) => string> = {
  toUpperCase: (s) => `$uppercase(${s})`,
  toLowerCase: (s) => `$lowercase(${s})`,
  trim: (s) => `$trim(${s})`,
  toString: (s: string) => `$string(${s})`,
  join: (s, a) => `$join(${s}${a[0] ? `, ${a[0]}` : ", ','"})`,
  split: (s, a) => `$split(${s}, ${a[0] ?? "''"})`,
  replace: (s, a) => `$replace(${s}, ${a[0]}, ${a[1]})`,
};
const FUNCTIONS: Record<string, (args: string[]) => string> = {
  Number: (a) => `$number(${a[0]})`,
  String: (a) => `$string(${a[0]})`,
  Boolean: (a) => `$boolean(${a[0]})`,
  parseInt: (a) => `$floor($number(${a[0]}))`,
  parseFloat: (a) => `$number(${a[0]})`,
  "JSON.stringify": (a) => `$string(${a[0]})`,
  "JSON.parse": (a) => `$eval(${a[0]})`,
  "Math.round": (a) => `$round(${a[0]})`,
  "Math.floor": (a) => `$floor(${a[0]})`,
  "Math.ceil": (a) => `$ceil(${a[0]})`,
  "Math.abs": (a) => `$abs(${a[0]})`,
  "Math.max": (a) => `$max([${a.join(", ")}])`,
  "Math.min": (a) => `$min([${a.join(", ")}])`,
};

interface Val {
  s: string;
  /** A string literal (so `+` with it is concatenation). */
  str?: boolean;
}

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly ctx: N8nExprContext,
  ) {}
  private peek(o = 0): Tok | undefined {
    return this.toks[this.i + o];
  }
  private isOp(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t?.t === "op" && t.v === v;
  }
  private eat(v: string): void {
    if (!this.isOp(v)) throw new Untranslatable(`'${this.peek()?.v ?? "end"}' where '${v}' was expected`);
    this.i++;
  }
  parseAll(): string {
    const v = this.expr();
    if (this.i < this.toks.length) throw new Untranslatable(`'${this.peek()!.v}'`);
    return v.s;
  }
  private expr(): Val {
    const c = this.or();
    if (this.isOp("?")) {
      this.i++;
      const a = this.expr();
      this.eat(":");
      const b = this.expr();
      return { s: `(${c.s} ? ${a.s} : ${b.s})` };
    }
    return c;
  }
  private binary(next: () => Val, ops: Record<string, string>): Val {
    let l = next();
    for (;;) {
      const t = this.peek();
      if (t?.t !== "op" || !(t.v in ops)) return l;
      this.i++;
      const r = next();
      l = { s: `${l.s} ${ops[t.v]} ${r.s}` };
    }
  }
  private or(): Val {
    return this.binary(() => this.and(), { "||": "or" });
  }
  private and(): Val {
    return this.binary(() => this.eq(), { "&&": "and" });
  }
  private eq(): Val {
    return this.binary(() => this.rel(), { "===": "=", "==": "=", "!==": "!=", "!=": "!=" });
  }
  private rel(): Val {
    return this.binary(() => this.add(), { "<": "<", ">": ">", "<=": "<=", ">=": ">=" });
  }
  private add(): Val {
    let l = this.mul();
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.peek()!.v;
      this.i++;
      const r = this.mul();
      // JavaScript's + concatenates when either side is a string; we can only know that for literals.
      if (op === "+" && (l.str || r.str)) l = { s: `${l.s} & ${r.s}`, str: true };
      else if (op === "+")
        throw new Untranslatable(
          "'+' between values whose types are only known at run time (number addition or string concatenation)",
        );
      else l = { s: `${l.s} - ${r.s}` };
    }
    return l;
  }
  private mul(): Val {
    return this.binary(() => this.unary(), { "*": "*", "/": "/", "%": "%" });
  }
  private unary(): Val {
    if (this.isOp("!")) {
      this.i++;
      return { s: `$not(${this.unary().s})` };
    }
    if (this.isOp("-")) {
      this.i++;
      return { s: `-${this.unary().s}` };
    }
    return this.postfix(this.primary());
  }
  private args(): string[] {
    this.eat("(");
    const out: string[] = [];
    while (!this.isOp(")")) {
      out.push(this.expr().s);
      if (!this.isOp(")")) this.eat(",");
    }
    this.eat(")");
    return out;
  }
  /** `.item`, `.first()`, `.last()`, `.all()` then `.json` — the ways n8n reaches a node's item data. */
  private itemThenJson(): void {
    this.eat(".");
    const t = this.peek();
    if (t?.t !== "id") throw new Untranslatable("an unknown accessor");
    this.i++;
    if (t.v === "item") {
      /* the paired item: the node's output */
    } else if (t.v === "first" || t.v === "last" || t.v === "all") this.args();
    else throw new Untranslatable(`'.${t.v}'`);
    if (this.isOp(".") && this.peek(1)?.v === "json") this.i += 2;
    else throw new Untranslatable("a node reference without '.json'");
  }
  private nodeRef(name: string): string {
    const r = this.ctx.node(name);
    if (r === undefined) throw new Untranslatable(`a reference to node "${name}", which is not in the workflow`);
    return r;
  }
  private primary(): Val {
    const t = this.peek();
    if (!t) throw new Untranslatable("an incomplete expression");
    this.i++;
    if (t.t === "num") return { s: t.v };
    if (t.t === "str") return { s: literal(t.v), str: true };
    if (t.t === "op" && t.v === "(") {
      const v = this.expr();
      this.eat(")");
      return { s: `(${v.s})`, str: v.str };
    }
    if (t.t === "op" && t.v === "{") {
      const fields: string[] = [];
      while (!this.isOp("}")) {
        const k = this.peek();
        if (k?.t !== "id" && k?.t !== "str") throw new Untranslatable("an object key that is not a name");
        this.i++;
        this.eat(":");
        fields.push(`${literal(k.v)}: ${this.expr().s}`);
        if (!this.isOp("}")) this.eat(",");
      }
      this.eat("}");
      return { s: `{${fields.join(", ")}}` };
    }
    if (t.t === "op" && t.v === "[") {
      const items: string[] = [];
      while (!this.isOp("]")) {
        items.push(this.expr().s);
        if (!this.isOp("]")) this.eat(",");
      }
      this.eat("]");
      return { s: `[${items.join(", ")}]` };
    }
    if (t.t !== "id") throw new Untranslatable(`'${t.v}'`);
    switch (t.v) {
      case "true":
      case "false":
      case "null":
        return { s: t.v };
      case "undefined":
        return { s: "null" };
      case "$json":
        return { s: this.ctx.json() };
      case "$node": {
        this.eat("[");
        const name = this.peek();
        if (name?.t !== "str") throw new Untranslatable("$node[…] without a node name");
        this.i++;
        this.eat("]");
        if (!(this.isOp(".") && this.peek(1)?.v === "json"))
          throw new Untranslatable(`$node["${name.v}"] without '.json' (parameters and context are n8n's own)`);
        this.i += 2;
        return { s: this.nodeRef(name.v) };
      }
      case "$": {
        const a = this.args();
        const lit = /^"((?:[^"\\]|\\.)*)"$/.exec(a[0] ?? "");
        if (a.length !== 1 || !lit) throw new Untranslatable("$(…) without a literal node name");
        const name = JSON.parse(`"${lit[1]}"`) as string;
        this.itemThenJson();
        return { s: this.nodeRef(name) };
      }
      case "$input":
        this.itemThenJson();
        return { s: this.ctx.json() };
      case "$items": {
        const a = this.args();
        const lit = /^"((?:[^"\\]|\\.)*)"$/.exec(a[0] ?? "");
        if (!lit) throw new Untranslatable("$items() without a literal node name");
        return { s: this.nodeRef(JSON.parse(`"${lit[1]}"`) as string) };
      }
      case "$now":
        return { s: "$now()" };
      case "$execution":
        if (this.isOp(".") && this.peek(1)?.v === "id") {
          this.i += 2;
          return { s: "$run.id" };
        }
        throw new Untranslatable("$execution other than $execution.id");
      case "$workflow":
        if (this.isOp(".") && this.peek(1)?.v === "name") {
          this.i += 2;
          return { s: "$flow.name" };
        }
        throw new Untranslatable("$workflow other than $workflow.name");
      default: {
        let name = t.v;
        if (this.isOp(".") && this.peek(1)?.t === "id" && Object.hasOwn(FUNCTIONS, `${name}.${this.peek(1)!.v}`)) {
          name = `${name}.${this.peek(1)!.v}`;
          this.i += 2;
        }
        const f = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
        if (f && this.isOp("(")) return { s: f(this.args()) };
        throw new Untranslatable(`'${t.v}'`);
      }
    }
  }
  private postfix(v: Val): Val {
    let s = v.s;
    let str = v.str;
    for (;;) {
      if (this.isOp(".")) {
        const name = this.peek(1);
        if (name?.t !== "id") throw new Untranslatable("'.' without a name");
        this.i += 2;
        if (this.isOp("(")) {
          const m = Object.hasOwn(METHODS, name.v) ? METHODS[name.v] : undefined;
          if (!m) throw new Untranslatable(`the method '.${name.v}()'`);
          s = m(s, this.args());
          str = false;
        } else if (name.v === "length") throw new Untranslatable("'.length' (a string's length or a list's count?)");
        else {
          s = appendPath(s, [name.v]);
          str = false;
        }
      } else if (this.isOp("[")) {
        this.i++;
        const k = this.peek();
        if ((k?.t === "str" || k?.t === "num") && this.isOp("]", 1)) {
          this.i += 2;
          s = appendPath(s, [k.t === "num" ? Number(k.v) : k.v]);
          str = false;
        } else throw new Untranslatable("an index computed at run time");
      } else return { s, str };
    }
  }
}

/** One JavaScript expression (the inside of `{{ }}`) → JSONata. */
export function translateJs(src: string, ctx: N8nExprContext): Translated {
  try {
    const toks = tokenize(src.trim());
    if (toks.length === 0) return { ok: true, expr: "null" };
    return { ok: true, expr: new Parser(toks, ctx).parseAll() };
  } catch (e) {
    if (e instanceof Untranslatable) return { ok: false, expr: literal(src), reason: e.message };
    throw e;
  }
}

/** An n8n parameter value → a JSONata expression. Strings starting with "=" are expressions (templates). */
export function translateValue(v: unknown, ctx: N8nExprContext): Translated {
  if (typeof v !== "string" || !v.startsWith("=")) return { ok: true, expr: literal(v) };
  const text = v.slice(1);
  const parts: string[] = [];
  const failed: string[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("{{", i);
    if (open < 0) {
      parts.push(literal(text.slice(i)));
      break;
    }
    if (open > i) parts.push(literal(text.slice(i, open)));
    const close = text.indexOf("}}", open + 2);
    if (close < 0) return { ok: false, expr: literal(v), reason: "an unclosed {{" };
    const inner = translateJs(text.slice(open + 2, close), ctx);
    if (!inner.ok) failed.push(inner.reason);
    parts.push(inner.expr);
    i = close + 2;
  }
  if (failed.length) return { ok: false, expr: literal(text), reason: failed.join("; ") };
  if (parts.length === 0) return { ok: true, expr: '""' };
  if (parts.length === 1) return { ok: true, expr: parts[0]! };
  // A template is a string: every expression part becomes text.
  return { ok: true, expr: parts.map((p) => (p.startsWith('"') ? p : `$string(${p})`)).join(" & ") };
}
