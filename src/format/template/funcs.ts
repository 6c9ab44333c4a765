// The functions a template can call: Go's builtins (text/template/funcs.go) and Docker's additions
// (docker/cli templates.basicFunctions: json join split lower upper title pad truncate).
import { goSprintf } from "./printf.ts";
import type { FuncMap, TemplateFunction } from "./exec.ts";
import { goString, goTypeName, isMap, isTrue, structName } from "./values.ts";

const fn = (arity: number, f: (...args: never[]) => unknown, variadic = false): TemplateFunction =>
  Object.assign((...args: unknown[]) => (f as (...a: unknown[]) => unknown)(...args), { arity, variadic });

const utf8Length = (s: string) => Buffer.byteLength(s, "utf8");

function basicKind(v: unknown): string {
  if (v === undefined || v === null) return "nil";
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return typeof v;
  return "other";
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error("missing argument for comparison");
  for (const b of rest) {
    const ka = basicKind(a), kb = basicKind(b);
    if (ka === "other" || kb === "other") {
      if (ka === "other" && kb === "other" && a === b) return true;
      if (ka !== "nil" && kb !== "nil") throw new Error("non-comparable types");
      continue;
    }
    if (ka !== kb && ka !== "nil" && kb !== "nil") throw new Error("incompatible types for comparison");
    if ((a ?? null) === (b ?? null)) return true;
  }
  return false;
}

function order(a: unknown, b: unknown): number {
  const ka = basicKind(a), kb = basicKind(b);
  if ((ka !== "number" && ka !== "string") || (kb !== "number" && kb !== "string")) throw new Error("invalid type for comparison");
  if (ka !== kb) throw new Error("incompatible types for comparison");
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function length(v: unknown): number {
  if (typeof v === "string") return utf8Length(v);
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  throw new Error(`len of type ${goTypeName(v)}`);
}

function index(item: unknown, ...keys: unknown[]): unknown {
  let v = item;
  for (const k of keys) {
    if (v === undefined || v === null) throw new Error("index of untyped nil");
    if (Array.isArray(v) || typeof v === "string") {
      if (typeof k !== "number" || !Number.isInteger(k)) throw new Error(`cannot index slice/array with type ${goTypeName(k)}`);
      const len = typeof v === "string" ? utf8Length(v) : v.length;
      if (k < 0 || k >= len) throw new Error(`index out of range: ${k}`);
      v = typeof v === "string" ? Buffer.from(v, "utf8")[k] : v[k];
    } else if (isMap(v)) {
      if (typeof k !== "string") throw new Error(`value has type ${goTypeName(k)}; should be string`);
      v = Object.prototype.hasOwnProperty.call(v, k) ? v[k] : undefined;
    } else {
      throw new Error(`can't index item of type ${goTypeName(v)}`);
    }
  }
  return v;
}

function slice(item: unknown, ...idx: unknown[]): unknown {
  if (typeof item !== "string" && !Array.isArray(item)) throw new Error(`can't slice item of type ${goTypeName(item)}`);
  if (idx.length > 2 && typeof item === "string") throw new Error("cannot 3-index slice a string");
  const len = typeof item === "string" ? utf8Length(item) : item.length;
  const [from = 0, to = len] = idx as number[];
  if (from < 0 || to > len || from > to) throw new Error(`index out of range: ${from > to ? from : to}`);
  return typeof item === "string" ? Buffer.from(item, "utf8").subarray(from, to).toString("utf8") : item.slice(from, to);
}

/** fmt.Sprint: a space between operands when neither side is a string. */
function sprint(...args: unknown[]): string {
  let s = "";
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") s += " ";
    s += goString(a === undefined ? null : a);
  });
  return s;
}

const htmlEscape = (s: string) => s.replace(/[&'<>"\0]/g, (c) => ({ "&": "&amp;", "'": "&#39;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "\0": "\uFFFD" })[c]!);

function jsEscape(s: string): string {
  return s.replace(/[\\'"<>&=\n\r\t]|[\x00-\x1f]/g, (c) => ({ "\\": "\\\\", "'": "\\'", '"': "\\\"", "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "=": "\\u003D", "\n": "\\n", "\r": "\\r", "\t": "\\t" } as Record<string, string>)[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
}

function urlQuery(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, "+").replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function str(name: string, v: unknown): string {
  if (typeof v !== "string") throw new Error(`wrong type for value; expected string; got ${goTypeName(v)}`);
  void name;
  return v;
}

function int(v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new Error(`wrong type for value; expected int; got ${goTypeName(v)}`);
  return v;
}

/** Go's strings.Title: the first letter of every word upper-cased; letters, digits and _ make words. */
function title(s: string): string {
  let prev = " ";
  let out = "";
  for (const c of s) {
    out += /[\p{L}\p{N}_']/u.test(prev) ? c : c.toUpperCase();
    prev = c;
  }
  return out;
}

/** docker/cli's json: encoding/json without HTML escaping, no trailing newline; Go escapes U+2028/9. */
function json(v: unknown): string {
  return (JSON.stringify(v === undefined ? null : v, (_k, x: unknown) => (typeof x === "function" ? undefined : structName(x) !== undefined ? contextJson(x as Record<string, unknown>) : x)) ?? "null")
    .replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** docker/cli marshals its row contexts as a map of every method without arguments: sorted keys. */
function contextJson(ctx: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(ctx).sort()) {
    const v = ctx[k];
    if (typeof v !== "function") out[k] = v;
    else if ((v as TemplateFunction).arity === 0) out[k] = (v as () => unknown)();
  }
  return out;
}

export const builtinFunctions: FuncMap = {
  and: fn(1, () => undefined, true),
  or: fn(1, () => undefined, true),
  not: fn(1, (v: unknown) => !isTrue(v)),
  len: fn(1, length),
  index: fn(1, index, true),
  slice: fn(1, slice, true),
  print: fn(0, sprint, true),
  printf: fn(1, (f: unknown, ...a: unknown[]) => goSprintf(str("printf", f), a), true),
  println: fn(0, (...a: unknown[]) => `${a.map((x) => goString(x === undefined ? null : x)).join(" ")}\n`, true),
  eq: fn(1, eq, true),
  ne: fn(2, (a: unknown, b: unknown) => !eq(a, b)),
  lt: fn(2, (a: unknown, b: unknown) => order(a, b) < 0),
  le: fn(2, (a: unknown, b: unknown) => order(a, b) <= 0),
  gt: fn(2, (a: unknown, b: unknown) => order(a, b) > 0),
  ge: fn(2, (a: unknown, b: unknown) => order(a, b) >= 0),
  html: fn(0, (...a: unknown[]) => htmlEscape(sprint(...a)), true),
  js: fn(0, (...a: unknown[]) => jsEscape(sprint(...a)), true),
  urlquery: fn(0, (...a: unknown[]) => urlQuery(sprint(...a)), true),
  call: fn(1, (f: unknown, ...a: unknown[]) => {
    if (typeof f !== "function") throw new Error(`non-function of type ${goTypeName(f)}`);
    return (f as (...x: unknown[]) => unknown)(...a);
  }, true),
};

export const dockerFunctions: FuncMap = {
  json: fn(1, json),
  split: fn(2, (s: unknown, sep: unknown) => {
    const text = str("split", s), by = str("split", sep);
    return by === "" ? [...text] : text.split(by);
  }),
  join: fn(2, (a: unknown, sep: unknown) => {
    if (!Array.isArray(a) || !a.every((x) => typeof x === "string")) throw new Error(`wrong type for value; expected []string; got ${goTypeName(a)}`);
    return a.join(str("join", sep));
  }),
  title: fn(1, (s: unknown) => title(str("title", s))),
  lower: fn(1, (s: unknown) => str("lower", s).toLowerCase()),
  upper: fn(1, (s: unknown) => str("upper", s).toUpperCase()),
  pad: fn(3, (s: unknown, prefix: unknown, suffix: unknown) => " ".repeat(int(prefix)) + str("pad", s) + " ".repeat(int(suffix))),
  truncate: fn(2, (s: unknown, n: unknown) => {
    const text = str("truncate", s), len = int(n);
    const bytes = Buffer.from(text, "utf8");
    return bytes.length < len ? text : bytes.subarray(0, len).toString("utf8");
  }),
};

/** docker/cli's HeaderFunctions: a table header is the template run over header names, unchanged. */
export const headerFunctions: FuncMap = {
  json: fn(1, (v: unknown) => v),
  split: fn(2, (v: unknown) => v),
  join: fn(2, (v: unknown) => v),
  title: fn(1, (v: unknown) => v),
  lower: fn(1, (v: unknown) => v),
  upper: fn(1, (v: unknown) => v),
  pad: fn(3, (v: unknown) => v),
  truncate: fn(2, (v: unknown) => v),
};

