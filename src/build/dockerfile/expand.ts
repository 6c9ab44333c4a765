// Variable substitution as BuildKit's shell lexer does it for ADD, COPY, ENV, EXPOSE, FROM, LABEL,
// STOPSIGNAL, USER, VOLUME, WORKDIR and ARG: quotes are removed, `$VAR`/`${VAR}` and the modifiers
// `:-` `-` `:+` `+` `:?` `?` expand, and the pattern forms of newer frontends (`#`, `##`, `%`, `%%`,
// `/`, `//` with `*`, `?`, `[...]`; a pattern character escaped or quoted in the Dockerfile is still a
// pattern character here); the escape character makes `$`, quotes and itself literal.
// RUN/CMD/ENTRYPOINT are not expanded here: their shell does it.
import { UserError } from "../../errors.ts";
import { BUILD_FAILED } from "../errors.ts";

export type Lookup = (name: string) => string | undefined;

export class ExpansionError extends UserError {
  constructor(readonly detail: string) {
    super(detail, BUILD_FAILED);
    this.name = "ExpansionError";
  }
}

const SPECIAL = new Set(["@", "*", "#", "?", "-", "$", "!", "0"]);
const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";
const isNameChar = (c: string) => /^[\p{L}\p{N}_]$/u.test(c);

/** Collects words; characters from unquoted expansions split on whitespace, quoted ones never do. */
class Words {
  words: string[] = [];
  private current = "";
  private inWord = false;
  constructor(private readonly split: boolean) {}
  raw(s: string): void {
    if (s === "") return;
    this.current += s;
    this.inWord = true;
  }
  /** Quotes seen: the word exists even if empty (`""`). */
  mark(): void { this.inWord = true; }
  splittable(s: string): void {
    if (!this.split) { this.raw(s); return; }
    for (const c of s) {
      if (isSpace(c)) this.end();
      else this.raw(c);
    }
  }
  end(): void {
    if (this.inWord) this.words.push(this.current);
    this.current = "";
    this.inWord = false;
  }
}

class Lexer {
  private pos = 0;
  private readonly chars: string[];
  constructor(input: string, private readonly escape: string, private readonly lookup: Lookup) {
    this.chars = Array.from(input);
  }
  private peek(): string | undefined { return this.chars[this.pos]; }
  private next(): string | undefined { return this.chars[this.pos++]; }

  /** Reads until one of the `stop` characters (consumed; returned as `found`) or the end; returns the words (one unless `split`). */
  run(split: boolean, stop?: string): { words: string[]; found: string | false } {
    const out = new Words(split);
    let found: string | false = false;
    for (let c = this.peek(); c !== undefined; c = this.peek()) {
      if (stop !== undefined && stop.includes(c)) { this.next(); found = c; break; }
      if (c === "'") { out.mark(); out.raw(this.singleQuoted()); continue; }
      if (c === '"') { out.mark(); out.raw(this.doubleQuoted()); continue; }
      if (c === "$") { out.splittable(this.dollar()); continue; }
      if (split && isSpace(c)) { this.next(); out.end(); continue; }
      this.next();
      if (c === this.escape) {
        const escaped = this.next();
        if (escaped === undefined) break; // an escape at the very end is dropped
        out.raw(escaped);
        continue;
      }
      out.raw(c);
    }
    out.end();
    return { words: out.words, found };
  }

  private singleQuoted(): string {
    this.next();
    let s = "";
    for (;;) {
      const c = this.next();
      if (c === undefined) throw new ExpansionError("unexpected end of statement while looking for matching single-quote");
      if (c === "'") return s;
      s += c;
    }
  }

  private doubleQuoted(): string {
    this.next();
    let s = "";
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new ExpansionError("unexpected end of statement while looking for matching double-quote");
      if (c === '"') { this.next(); return s; }
      if (c === "$") { s += this.dollar(); continue; }
      this.next();
      if (c === this.escape) {
        const after = this.peek();
        if (after === undefined) continue;
        if (after === '"' || after === "$" || after === this.escape) { s += this.next(); continue; }
      }
      s += c;
    }
  }

  private name(): string {
    let name = "";
    const first = this.peek();
    if (first !== undefined && /^[0-9]$/.test(first)) {
      while (this.peek() !== undefined && /^[0-9]$/.test(this.peek()!)) name += this.next();
      return name;
    }
    if (first !== undefined && SPECIAL.has(first)) return this.next()!;
    for (let c = this.peek(); c !== undefined && isNameChar(c); c = this.peek()) name += this.next();
    return name;
  }

  private dollar(): string {
    this.next(); // $
    if (this.peek() !== "{") {
      const name = this.name();
      if (name === "") return "$";
      return this.lookup(name) ?? "";
    }
    this.next(); // {
    const name = this.name();
    if (name === "") throw new ExpansionError("bad substitution");
    let c = this.next();
    if (c === "}") return this.lookup(name) ?? "";
    if (c === "#" || c === "%" || c === "/") return this.pattern(name, c);
    let colon = false;
    if (c === ":") { colon = true; c = this.next(); }
    if (c !== "-" && c !== "+" && c !== "?") {
      if (c === undefined) throw new ExpansionError("syntax error: missing '}'");
      throw new ExpansionError(`unsupported modifier (${colon ? ":" : ""}${c}) in substitution`);
    }
    const { words, found } = this.run(false, "}");
    if (!found) throw new ExpansionError("syntax error: missing '}'");
    const word = words[0] ?? "";
    const value = this.lookup(name);
    const unset = colon ? value === undefined || value === "" : value === undefined;
    if (c === "-") return unset ? word : value!;
    if (c === "+") return unset ? "" : word;
    if (unset) throw new ExpansionError(`${name}: ${word || "is not allowed to be unset"}`);
    return value!;
  }

  /** `${VAR#p}` `${VAR##p}` `${VAR%p}` `${VAR%%p}` `${VAR/p/r}` `${VAR//p/r}`, after the operator's first character. */
  private pattern(name: string, op: "#" | "%" | "/"): string {
    const doubled = this.peek() === op;
    if (doubled) this.next();
    // `${VAR/p}` without a second slash replaces with nothing.
    const pat = this.run(false, op === "/" ? "/}" : "}");
    let replacement = "";
    if (pat.found === "/") {
      const r = this.run(false, "}");
      if (!r.found) throw new ExpansionError("syntax error: missing '}'");
      replacement = r.words[0] ?? "";
    } else if (!pat.found) throw new ExpansionError("syntax error: missing '}'");
    const value = this.lookup(name) ?? "";
    const glob = pat.words[0] ?? "";
    if (op === "#") return trimPrefix(value, glob, doubled);
    if (op === "%") return trimSuffix(value, glob, doubled);
    return replace(value, glob, replacement, doubled);
  }
}

/** A shell pattern (`*`, `?`, `[...]`, `[!...]`) as an anchored regular expression. */
function globRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) { re += "\\["; continue; }
      let body = glob.slice(i + 1, end);
      if (body.startsWith("!") || body.startsWith("^")) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else re += c.replace(/[.+(){}|^$\]\\/]/g, "\\$&");
  }
  try {
    return new RegExp(`^${re}$`, "u");
  } catch {
    throw new ExpansionError(`invalid pattern in substitution: ${glob}`);
  }
}

function trimPrefix(value: string, glob: string, longest: boolean): string {
  const re = globRegExp(glob);
  const chars = Array.from(value);
  for (let k = 0; k <= chars.length; k++) {
    const i = longest ? chars.length - k : k;
    if (re.test(chars.slice(0, i).join(""))) return chars.slice(i).join("");
  }
  return value;
}

function trimSuffix(value: string, glob: string, longest: boolean): string {
  const re = globRegExp(glob);
  const chars = Array.from(value);
  for (let k = 0; k <= chars.length; k++) {
    const i = longest ? k : chars.length - k;
    if (re.test(chars.slice(i).join(""))) return chars.slice(0, i).join("");
  }
  return value;
}

/** The first (or every) longest match of `glob` replaced; an empty pattern replaces nothing. */
function replace(value: string, glob: string, replacement: string, all: boolean): string {
  if (glob === "") return value;
  const re = globRegExp(glob);
  const chars = Array.from(value);
  let out = "";
  let i = 0;
  let replaced = false;
  while (i < chars.length) {
    let end = -1;
    if (!replaced || all) {
      for (let j = chars.length; j > i; j--) if (re.test(chars.slice(i, j).join(""))) { end = j; break; }
    }
    if (end < 0) { out += chars[i]; i++; continue; }
    out += replacement;
    i = end;
    replaced = true;
  }
  return out;
}

/** One word, quotes removed, whitespace kept (ENV/LABEL values, WORKDIR, USER, FROM, COPY paths). */
export function expandWord(word: string, lookup: Lookup, escape = "\\"): string {
  return new Lexer(word, escape, lookup).run(false).words.join("");
}

/** Whitespace-separated words (EXPOSE, VOLUME); unquoted expansions split too. */
export function expandWords(text: string, lookup: Lookup, escape = "\\"): string[] {
  return new Lexer(text, escape, lookup).run(true).words;
}

/** A lookup over `KEY=VALUE` lists; later entries win. */
export function envLookup(...lists: (readonly string[])[]): Lookup {
  const map = new Map<string, string>();
  for (const list of lists) for (const kv of list) {
    const eq = kv.indexOf("=");
    if (eq > 0) map.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return (name) => map.get(name);
}
