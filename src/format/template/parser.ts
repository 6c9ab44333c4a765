// Go text/template's parser (text/template/parse/parse.go): the same grammar, scoping of variables and
// error messages ("template: :1: unexpected \"}\" in operand").
import { describeToken, lex, type Token } from "./lexer.ts";
import type { CommandNode, Node, OperandNode, PipeNode } from "./nodes.ts";

export class TemplateParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateParseError";
  }
}

type Control = { type: "end" | "else"; pos: number; line: number; elseKeyword?: "if" | "with" };
type Item = Node | Control;

export function parseTemplate(text: string, functions: ReadonlySet<string>): Node {
  return new Parser(text, functions).parse();
}

class Parser {
  private tokens: Token[];
  private i = 0;
  private vars: string[] = ["$"];
  private rangeDepth = 0;
  private current: Token;

  constructor(readonly text: string, private readonly functions: ReadonlySet<string>) {
    this.tokens = lex(text);
    this.current = this.tokens[0]!;
  }

  parse(): Node {
    const list: Node = { type: "list", pos: 0, nodes: [] };
    while (this.peek().kind !== "eof") {
      const n = this.textOrAction();
      if (n.type === "end" || n.type === "else") this.error(`unexpected {{${n.type}}}`);
      list.nodes.push(n as Node);
    }
    return list;
  }

  private error(message: string): never {
    throw new TemplateParseError(`template: :${this.current.line}: ${message}`);
  }

  private next(): Token {
    const t = this.tokens[Math.min(this.i, this.tokens.length - 1)]!;
    this.i++;
    this.current = t;
    return t;
  }
  private backup(n = 1) { this.i -= n; }
  private peek(): Token { return this.tokens[Math.min(this.i, this.tokens.length - 1)]!; }
  private nextNonSpace(): Token {
    let t = this.next();
    while (t.kind === "space") t = this.next();
    return t;
  }
  private peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  private unexpected(t: Token, context: string): never {
    if (t.kind === "error") this.error(t.value);
    this.error(`unexpected ${describeToken(t)} in ${context}`);
  }

  private expect(kind: Token["kind"], context: string): Token {
    const t = this.nextNonSpace();
    if (t.kind !== kind) this.unexpected(t, context);
    return t;
  }

  private textOrAction(): Item {
    const t = this.nextNonSpace();
    switch (t.kind) {
      case "text": return { type: "text", pos: t.pos, text: t.value };
      case "left": return this.action();
      case "error": return this.error(t.value);
      default: return this.unexpected(t, "input");
    }
  }

  private action(): Item {
    const t = this.nextNonSpace();
    if (t.kind === "keyword") {
      switch (t.value) {
        case "if": return this.control("if", t);
        case "with": return this.control("with", t);
        case "range": return this.control("range", t);
        case "end": this.expect("right", "end"); return { type: "end", pos: t.pos, line: t.line };
        case "else": return this.elseControl(t);
        case "break": case "continue": {
          this.expect("right", t.value);
          if (this.rangeDepth === 0) this.error(`{{${t.value}}} outside {{range}}`);
          return { type: t.value, pos: t.pos };
        }
        default: this.error(`{{${t.value}}} is not supported by minibox's templates`);
      }
    }
    this.backup();
    const pipe = this.pipeline("command", "right");
    return { type: "action", pos: t.pos, line: t.line, pipe };
  }

  private elseControl(t: Token): Control {
    const peek = this.peekNonSpace();
    // "else if" / "else with": the keyword stays for the nested control to read.
    if (peek.kind === "keyword" && (peek.value === "if" || peek.value === "with")) return { type: "else", pos: peek.pos, line: peek.line, elseKeyword: peek.value };
    this.expect("right", "else");
    return { type: "else", pos: t.pos, line: t.line };
  }

  private control(kind: "if" | "with" | "range", start: Token): Node {
    const saved = this.vars.length;
    try {
      const pipe = this.pipeline(kind, "right");
      if (kind === "range") this.rangeDepth++;
      const [list, first] = this.itemList();
      let next = first;
      if (kind === "range") this.rangeDepth--;
      let elseList: Node | undefined;
      if (next.type === "else") {
        if (next.elseKeyword !== undefined) {
          if (next.elseKeyword === "with" && kind !== "with") this.error("unexpected <with> in else");
          // {{else if X}}… is {{else}}{{if X}}…{{end}}{{end}}: the nested control takes the one {{end}}.
          const kw = this.nextNonSpace();
          const nested = this.control(kw.value as "if" | "with", kw);
          elseList = { type: "list", pos: next.pos, nodes: [nested] };
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== "end") this.error(`expected end; found {{${next.type}}}`);
        }
      }
      return { type: kind, pos: start.pos, line: start.line, pipe, list, elseList };
    } finally {
      this.vars.length = saved;
    }
  }

  private itemList(): [Node, Control] {
    const list: Node = { type: "list", pos: this.peek().pos, nodes: [] };
    while (this.peekNonSpace().kind !== "eof") {
      const n = this.textOrAction();
      if (n.type === "end" || n.type === "else") return [list, n as Control];
      list.nodes.push(n as Node);
    }
    this.next();
    return this.error("unexpected EOF");
  }

  private pipeline(context: string, end: "right" | "rparen"): PipeNode {
    const start = this.peekNonSpace();
    const pipe: PipeNode = { type: "pipe", pos: start.pos, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.kind !== "variable") break;
      const mark = this.i;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.kind === "assign" || next.kind === "declare") {
        pipe.isAssign = next.kind === "assign";
        this.nextNonSpace();
        pipe.decl.push(v.value);
        if (!pipe.isAssign) this.vars.push(v.value);
        else if (!this.vars.includes(v.value)) this.error(`undefined variable "${v.value}"`);
        break;
      }
      if (next.kind === "char" && next.value === ",") {
        this.nextNonSpace();
        pipe.decl.push(v.value);
        this.vars.push(v.value);
        if (context === "range" && pipe.decl.length < 2) {
          const p = this.peekNonSpace();
          if (p.kind === "variable" || p.kind === "right" || p.kind === "rparen") continue decls;
          this.error("range can only initialize variables");
        }
        this.error(`too many declarations in ${context}`);
      }
      // Not a declaration: the variable is the pipeline's first operand.
      this.i = mark;
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.kind === end) {
        if (pipe.cmds.length === 0) this.error(`missing value for ${context}`);
        pipe.cmds.slice(1).forEach((c, i) => {
          if (["bool", "dot", "nil", "number", "string"].includes(c.args[0]!.type)) this.error(`non executable command in pipeline stage ${i + 2}`);
        });
        return pipe;
      }
      switch (t.kind) {
        case "bool": case "charconst": case "dot": case "field": case "identifier": case "number": case "nil":
        case "rawstring": case "string": case "variable": case "lparen":
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default: this.unexpected(t, context);
      }
    }
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: "command", pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.kind === "space") continue;
      if (t.kind === "right" || t.kind === "rparen") this.backup();
      else if (t.kind !== "pipe") this.unexpected(t, "operand");
      break;
    }
    if (cmd.args.length === 0) this.error("empty command");
    return cmd;
  }

  private operand(): OperandNode | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().kind !== "field") return node;
    const fields: string[] = [];
    const pos = this.peek().pos;
    while (this.peek().kind === "field") fields.push(this.next().value.slice(1));
    switch (node.type) {
      case "field": return { type: "field", pos: node.pos, idents: [...node.idents, ...fields] };
      case "variable": return { type: "variable", pos: node.pos, idents: [...node.idents, ...fields] };
      case "bool": case "string": case "number": case "nil": case "dot":
        return this.error(`unexpected . after term "${node.type === "dot" ? "." : node.type === "nil" ? "nil" : node.type === "bool" ? String(node.value) : node.text}"`);
      default: return { type: "chain", pos, node, fields };
    }
  }

  private term(): OperandNode | undefined {
    const t = this.nextNonSpace();
    switch (t.kind) {
      case "identifier":
        if (!this.functions.has(t.value)) this.error(`function "${t.value}" not defined`);
        return { type: "identifier", pos: t.pos, name: t.value };
      case "dot": return { type: "dot", pos: t.pos };
      case "nil": return { type: "nil", pos: t.pos };
      case "variable":
        if (!this.vars.includes(t.value)) this.error(`undefined variable "${t.value}"`);
        return { type: "variable", pos: t.pos, idents: [t.value] };
      case "field": return { type: "field", pos: t.pos, idents: [t.value.slice(1)] };
      case "bool": return { type: "bool", pos: t.pos, value: t.value === "true" };
      case "number": case "charconst": return { type: "number", pos: t.pos, value: this.number(t), text: t.value };
      case "lparen": return this.pipeline("parenthesized pipeline", "rparen");
      case "string": case "rawstring": return { type: "string", pos: t.pos, value: this.unquote(t), text: t.value };
    }
    this.backup();
    return undefined;
  }

  private number(t: Token): number {
    if (t.kind === "charconst") {
      const s = this.unquoteBody(t.value.slice(1, -1), t);
      if ([...s].length !== 1) this.error(`malformed character constant: ${t.value}`);
      return s.codePointAt(0)!;
    }
    const text = t.value.replace(/_/g, "");
    let v: number;
    if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(text)) v = (text.startsWith("-") ? -1 : 1) * parseInt(text.replace(/^[+-]?0[xX]/, ""), 16);
    else if (/^[+-]?0[oO]?[0-7]+$/.test(text) && /^[+-]?0/.test(text) && text.replace(/^[+-]/, "").length > 1) v = (text.startsWith("-") ? -1 : 1) * parseInt(text.replace(/^[+-]?0[oO]?/, ""), 8);
    else if (/^[+-]?0[bB][01]+$/.test(text)) v = (text.startsWith("-") ? -1 : 1) * parseInt(text.replace(/^[+-]?0[bB]/, ""), 2);
    else if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) v = Number(text);
    else return this.error(`illegal number syntax: ${JSON.stringify(t.value)}`);
    return v;
  }

  private unquote(t: Token): string {
    if (t.kind === "rawstring") return t.value.slice(1, -1);
    return this.unquoteBody(t.value.slice(1, -1), t);
  }

  private unquoteBody(body: string, t: Token): string {
    return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/gs, (_m, e: string) => {
      switch (e[0]) {
        case "n": return "\n"; case "t": return "\t"; case "r": return "\r"; case "a": return "\x07";
        case "b": return "\b"; case "f": return "\f"; case "v": return "\v"; case "\\": return "\\";
        case '"': return '"'; case "'": return "'";
        case "x": case "u": case "U": return String.fromCodePoint(parseInt(e.slice(1), 16));
        default:
          if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
          return this.error(`invalid syntax: ${t.value}`);
      }
    });
  }
}
