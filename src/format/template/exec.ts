// Go text/template's executor (text/template/exec.go): fields of structs and keys of maps, methods with
// arguments, pipelines, variables with their scopes, if/with/range with else, break/continue, and Go's
// error words ("template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type T").
import type { CommandNode, ControlNode, Node, OperandNode, PipeNode } from "./nodes.ts";
import { nodeText } from "./nodes.ts";
import { goString, goTypeName, isMap, isTrue, structName } from "./values.ts";

export class TemplateExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateExecError";
  }
}

/** A function callable from a template; throwing an Error is reported as "error calling NAME: …". */
export interface TemplateFunction {
  (...args: unknown[]): unknown;
  /** Fixed number of arguments, or the minimum when variadic. */
  arity: number;
  variadic?: boolean;
}

export type FuncMap = Record<string, TemplateFunction>;

/** The first command of a pipeline has no piped-in value; `undefined` is a real value ("<no value>"). */
const MISSING = Symbol("missing");
type Final = unknown | typeof MISSING;

class BreakSignal { constructor(readonly kind: "break" | "continue") {} }

interface Variable { name: string; value: unknown }

export function execute(text: string, tree: Node, data: unknown, funcs: FuncMap): string {
  return new State(text, funcs, data).run(tree);
}

class State {
  private out: string[] = [];
  private vars: Variable[];
  private node: Node | undefined;

  constructor(private readonly text: string, private readonly funcs: FuncMap, data: unknown) {
    this.vars = [{ name: "$", value: data }];
  }

  run(tree: Node): string {
    this.walk(this.vars[0]!.value, tree);
    return this.out.join("");
  }

  private at(n: Node) { this.node = n; }

  private error(message: string): never {
    const n = this.node;
    if (!n) throw new TemplateExecError(`template: : executing "" at <>: ${message}`);
    const before = this.text.slice(0, n.pos);
    const nl = before.lastIndexOf("\n");
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = nl < 0 ? Buffer.byteLength(before) : Buffer.byteLength(before.slice(nl + 1));
    throw new TemplateExecError(`template: :${line}:${col}: executing "" at <${nodeText(n)}>: ${message}`);
  }

  private walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case "list": for (const n of node.nodes) this.walk(dot, n); return;
      case "text": this.out.push(node.text); return;
      case "action": {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.out.push(goString(v));
        return;
      }
      case "if": case "with": {
        const mark = this.vars.length;
        const v = this.evalPipeline(dot, node.pipe);
        const truth = isTrue(v);
        if (truth) this.walk(node.type === "with" ? v : dot, node.list);
        else if (node.elseList) this.walk(dot, node.elseList);
        this.vars.length = mark;
        return;
      }
      case "range": return this.walkRange(dot, node);
      case "break": case "continue": throw new BreakSignal(node.type);
      default: this.error(`unknown node: ${nodeText(node)}`);
    }
  }

  private walkRange(dot: unknown, node: ControlNode): void {
    const mark = this.vars.length;
    const v = this.evalPipeline(dot, node.pipe);
    // The pipeline's own declarations are re-bound at each element.
    this.vars.length = mark;
    const items: [unknown, unknown][] = [];
    if (Array.isArray(v)) v.forEach((x, i) => items.push([i, x]));
    else if (typeof v === "number" && Number.isInteger(v)) for (let i = 0; i < v; i++) items.push([i, i]);
    else if (isMap(v)) for (const k of Object.keys(v).sort()) items.push([k, v[k]]);
    else if (v !== undefined && v !== null) this.error(`range can't iterate over ${goString(v)}`);
    for (const [key, value] of items) {
      const inner = this.vars.length;
      const decl = node.pipe.decl;
      if (decl.length === 1) this.vars.push({ name: decl[0]!, value });
      if (decl.length === 2) this.vars.push({ name: decl[0]!, value: key }, { name: decl[1]!, value });
      try {
        this.walk(value, node.list);
      } catch (e) {
        if (!(e instanceof BreakSignal)) throw e;
        if (e.kind === "break") { this.vars.length = inner; break; }
      }
      this.vars.length = inner;
    }
    if (items.length === 0 && node.elseList) this.walk(dot, node.elseList);
    this.vars.length = mark;
  }

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case "field": return this.evalFieldChain(dot, dot, first, first.idents, cmd.args, final);
      case "chain": {
        const receiver = this.evalArg(dot, first.node);
        return this.evalFieldChain(dot, receiver, first, first.fields, cmd.args, final);
      }
      case "identifier": return this.evalFunction(dot, first.name, cmd, cmd.args.slice(1), final);
      case "variable": {
        this.at(first);
        const value = this.varValue(first.idents[0]!);
        if (first.idents.length === 1) { this.notAFunction(cmd.args, final); return value; }
        return this.evalFieldChain(dot, value, first, first.idents.slice(1), cmd.args, final);
      }
      case "pipe": this.notAFunction(cmd.args, final); return this.evalPipeline(dot, first);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case "bool": return first.value;
      case "dot": return dot;
      case "nil": return this.error("nil is not a command");
      case "number": return first.value;
      case "string": return first.value;
    }
  }

  private notAFunction(args: OperandNode[], final: Final) {
    if (args.length > 1 || final !== MISSING) this.error(`can't give argument to non-function ${nodeText(args[0]!)}`);
  }

  private evalArg(dot: unknown, n: OperandNode): unknown {
    this.at(n);
    switch (n.type) {
      case "dot": return dot;
      case "nil": return null;
      case "bool": case "number": case "string": return n.value;
      case "field": return this.evalFieldChain(dot, dot, n, n.idents, [n], MISSING);
      case "variable": {
        const value = this.varValue(n.idents[0]!);
        return n.idents.length === 1 ? value : this.evalFieldChain(dot, value, n, n.idents.slice(1), [n], MISSING);
      }
      case "pipe": return this.evalPipeline(dot, n);
      case "identifier": return this.evalFunction(dot, n.name, n, [], MISSING);
      case "chain": return this.evalFieldChain(dot, this.evalArg(dot, n.node), n, n.fields, [n], MISSING);
    }
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: OperandNode, idents: string[], args: OperandNode[], final: Final): unknown {
    this.at(node);
    let r = receiver;
    for (let i = 0; i < idents.length - 1; i++) r = this.evalField(dot, idents[i]!, node, [node], MISSING, r);
    return this.evalField(dot, idents[idents.length - 1]!, node, args, final, r);
  }

  private evalField(dot: unknown, name: string, node: OperandNode, args: OperandNode[], final: Final, receiver: unknown): unknown {
    if (receiver === undefined || receiver === null) return undefined;
    const hasArgs = args.length > 1 || final !== MISSING;
    const struct = structName(receiver);
    if (struct !== undefined) {
      if (!Object.prototype.hasOwnProperty.call(receiver, name)) this.error(`can't evaluate field ${name} in type ${struct}`);
      const v = (receiver as Record<string, unknown>)[name];
      if (typeof v === "function") return this.call(dot, v as TemplateFunction, name, node, args.slice(1), final, true);
      if (hasArgs) this.error(`${name} has arguments but cannot be invoked as function`);
      return v;
    }
    if (isMap(receiver)) {
      if (hasArgs) this.error(`${name} is not a method but has arguments`);
      return Object.prototype.hasOwnProperty.call(receiver, name) ? receiver[name] : undefined;
    }
    return this.error(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private evalFunction(dot: unknown, name: string, node: Node, args: OperandNode[], final: Final): unknown {
    this.at(node);
    const fn = this.funcs[name];
    if (!fn) return this.error(`"${name}" is not a defined function`);
    // and/or evaluate their arguments only as far as needed (Go 1.18).
    if (name === "and" || name === "or") {
      const nodes = args;
      if (nodes.length + (final === MISSING ? 0 : 1) < 1) this.error(`wrong number of args for ${name}: want at least 1 got 0`);
      let v: unknown;
      for (let i = 0; i < nodes.length; i++) {
        v = this.evalArg(dot, nodes[i]!);
        if (isTrue(v) !== (name === "and")) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }
    return this.call(dot, fn, name, node, args, final, false);
  }

  private call(dot: unknown, fn: TemplateFunction, name: string, node: Node, argNodes: OperandNode[], final: Final, method: boolean): unknown {
    const args = argNodes.map((a) => this.evalArg(dot, a));
    if (final !== MISSING) args.push(final);
    this.at(node);
    const arity = fn.arity ?? fn.length;
    if (fn.variadic ? args.length < arity : args.length !== arity) {
      this.error(`wrong number of args for ${name}: want ${fn.variadic ? "at least " : ""}${arity} got ${args.length}`);
    }
    try {
      return fn(...args);
    } catch (e) {
      if (!(e instanceof Error) || e instanceof TemplateExecError) throw e;
      return this.error(`error calling ${name}: ${e.message}`);
    }
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    return this.error(`undefined variable: ${name}`);
  }

  private setVar(name: string, value: unknown) {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) { this.vars[i]!.value = value; return; }
    this.error(`undefined variable: ${name}`);
  }
}
