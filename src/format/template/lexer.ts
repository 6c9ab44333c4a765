// Go text/template's lexer (text/template/parse/lex.go), same token kinds and the same error words, so
// that a template a Docker user wrote fails here with the message Go would print.
export type TokenKind =
  | "text" | "left" | "right" | "space" | "pipe" | "lparen" | "rparen" | "declare" | "assign" | "char"
  | "field" | "variable" | "identifier" | "keyword" | "string" | "rawstring" | "charconst" | "number"
  | "bool" | "nil" | "dot" | "eof" | "error";

export interface Token { kind: TokenKind; value: string; pos: number; line: number }

const KEYWORDS = new Set(["block", "break", "continue", "define", "else", "end", "if", "range", "template", "with"]);

const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isAlnum = (c: string | undefined) => c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);
const isPrintable = (c: string) => c >= " " && c <= "~";

/** Go's %q of a token (item.String()). */
export function describeToken(t: Token): string {
  if (t.kind === "eof") return "EOF";
  if (t.kind === "error") return t.value;
  if (t.kind === "keyword") return `<${t.value}>`;
  const chars = [...t.value];
  return chars.length > 10 ? `${goQuote(chars.slice(0, 10).join(""))}...` : goQuote(t.value);
}

export function goQuote(s: string): string {
  let r = '"';
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (c === '"' || c === "\\") r += `\\${c}`;
    else if (c === "\n") r += "\\n";
    else if (c === "\t") r += "\\t";
    else if (c === "\r") r += "\\r";
    else if (code < 0x20 || code === 0x7f) r += `\\x${code.toString(16).padStart(2, "0")}`;
    else r += c;
  }
  return `${r}"`;
}

/** All tokens up to EOF, or up to and including the first error token (Go's lexer stops there too). */
export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let parenDepth = 0;
  const lineAt = (p: number) => { let n = 1; for (let i = 0; i < p; i++) if (input[i] === "\n") n++; return n; };
  const emit = (kind: TokenKind, start: number, end: number) => {
    tokens.push({ kind, value: input.slice(start, end), pos: start, line });
    for (let i = start; i < end; i++) if (input[i] === "\n") line++;
  };
  const fail = (msg: string, at: number) => { tokens.push({ kind: "error", value: msg, pos: at, line: lineAt(at) }); };

  while (pos <= input.length) {
    // Text up to the next "{{".
    const open = input.indexOf("{{", pos);
    if (open < 0) {
      if (pos < input.length) emit("text", pos, input.length);
      tokens.push({ kind: "eof", value: "", pos: input.length, line });
      return tokens;
    }
    const leftTrim = input[open + 2] === "-" && isSpace(input[open + 3]);
    let textEnd = open;
    if (leftTrim) while (textEnd > pos && /\s/.test(input[textEnd - 1]!)) textEnd--;
    if (textEnd > pos) emit("text", pos, textEnd);
    line = lineAt(open);
    emit("left", open, open + 2);
    pos = open + 2 + (leftTrim ? 2 : 0);
    line = lineAt(pos);
    // A comment must follow the delimiter directly, and the delimiter must follow it.
    if (input.startsWith("/*", pos)) {
      const close = input.indexOf("*/", pos + 2);
      if (close < 0) { fail("unclosed comment", pos); return tokens; }
      let after = close + 2;
      const rightTrim = isSpace(input[after]) && input[after + 1] === "-" && input.startsWith("}}", after + 2);
      if (rightTrim) after += 2;
      if (!input.startsWith("}}", after)) { fail("comment ends before closing delimiter", pos); return tokens; }
      tokens.pop(); // the comment and its delimiters make no token
      pos = after + 2;
      if (rightTrim) while (pos < input.length && /\s/.test(input[pos]!)) pos++;
      line = lineAt(pos);
      continue;
    }
    // Inside an action.
    for (;;) {
      const c = input[pos];
      const rightTrimHere = isSpace(c) && input[pos + 1] === "-" && input.startsWith("}}", pos + 2);
      if (rightTrimHere || input.startsWith("}}", pos)) {
        if (parenDepth > 0) { fail("unclosed left paren", pos); return tokens; }
        const start = pos;
        pos += rightTrimHere ? 4 : 2;
        emit("right", start, pos);
        if (rightTrimHere) while (pos < input.length && /\s/.test(input[pos]!)) pos++;
        line = lineAt(pos);
        break;
      }
      if (c === undefined) { fail("unclosed action", pos); return tokens; }
      if (isSpace(c)) {
        const start = pos;
        while (isSpace(input[pos]) && !(input[pos + 1] === "-" && input.startsWith("}}", pos + 2))) pos++;
        if (pos === start) pos++; // cannot happen: a lone " -}}" is the delimiter above
        emit("space", start, pos);
        continue;
      }
      if (c === "=") { emit("assign", pos, ++pos); continue; }
      if (c === ":") {
        if (input[pos + 1] !== "=") { fail("expected :=", pos); return tokens; }
        emit("declare", pos, (pos += 2)); continue;
      }
      if (c === "|") { emit("pipe", pos, ++pos); continue; }
      if (c === '"' || c === "`" || c === "'") {
        const start = pos++;
        for (;;) {
          const d = input[pos];
          if (d === undefined || (c !== "`" && d === "\n")) {
            fail(c === "`" ? "unterminated raw quoted string" : c === "'" ? "unterminated character constant" : "unterminated quoted string", start);
            return tokens;
          }
          pos++;
          if (d === "\\" && c !== "`") { pos++; continue; }
          if (d === c) break;
        }
        emit(c === '"' ? "string" : c === "`" ? "rawstring" : "charconst", start, pos);
        continue;
      }
      if (c === "$" || (c === "." && !/[0-9]/.test(input[pos + 1] ?? ""))) {
        const start = pos++;
        while (isAlnum(input[pos])) pos++;
        if (!atTerminator(input, pos)) { fail(`bad character ${goRune(input[pos]!)}`, pos); return tokens; }
        if (c === "." && pos === start + 1) emit("dot", start, pos);
        else emit(c === "$" ? "variable" : "field", start, pos);
        continue;
      }
      if (/[0-9+\-.]/.test(c)) {
        const start = pos;
        pos = scanNumber(input, pos);
        if (isAlnum(input[pos])) { pos++; fail(`bad number syntax: ${goQuote(input.slice(start, pos))}`, start); return tokens; }
        emit("number", start, pos);
        continue;
      }
      if (isAlnum(c)) {
        const start = pos;
        while (isAlnum(input[pos])) pos++;
        if (!atTerminator(input, pos)) { fail(`bad character ${goRune(input[pos]!)}`, pos); return tokens; }
        const word = input.slice(start, pos);
        emit(KEYWORDS.has(word) ? "keyword" : word === "true" || word === "false" ? "bool" : word === "nil" ? "nil" : "identifier", start, pos);
        continue;
      }
      if (c === "(") { parenDepth++; emit("lparen", pos, ++pos); continue; }
      if (c === ")") {
        if (--parenDepth < 0) { fail(`unexpected right paren`, pos); return tokens; }
        emit("rparen", pos, ++pos); continue;
      }
      if (isPrintable(c)) { emit("char", pos, ++pos); continue; }
      fail(`unrecognized character in action: ${goRune(String.fromCodePoint(input.codePointAt(pos)!))}`, pos);
      return tokens;
    }
  }
  tokens.push({ kind: "eof", value: "", pos: input.length, line });
  return tokens;
}

/** Go's lexer.scanNumber: sign, base prefix, digits, fraction, exponent, imaginary suffix. */
function scanNumber(input: string, start: number): number {
  let pos = start;
  const accept = (set: string) => { if (input[pos] !== undefined && set.includes(input[pos]!)) { pos++; return true; } return false; };
  const acceptRun = (set: string) => { while (accept(set)) { /* run */ } };
  accept("+-");
  let digits = "0123456789_";
  if (accept("0")) {
    if (accept("xX")) digits = "0123456789abcdefABCDEF_";
    else if (accept("oO")) digits = "01234567_";
    else if (accept("bB")) digits = "01_";
  }
  acceptRun(digits);
  if (accept(".")) acceptRun(digits);
  if (digits.length === 11 && accept("eE")) { accept("+-"); acceptRun("0123456789_"); }
  if (digits.length === 23 && accept("pP")) { accept("+-"); acceptRun("0123456789_"); }
  accept("i");
  return pos;
}

function atTerminator(input: string, pos: number): boolean {
  const c = input[pos];
  // Go also stops at the first rune of the right delimiter, so "{{.Foo}" fails on the "}" as an operand.
  return c === undefined || isSpace(c) || ".,|:()}".includes(c);
}

/** Go's %#U: U+0021 '!'. */
function goRune(c: string): string {
  const code = c.codePointAt(0)!;
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  return code >= 0x20 && code !== 0x7f ? `U+${hex} '${c}'` : `U+${hex}`;
}
