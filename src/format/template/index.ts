// Go text/template for --format: parse once, execute per value. Errors carry Go's own words.
import { execute, type FuncMap } from "./exec.ts";
import { builtinFunctions, dockerFunctions } from "./funcs.ts";
import { parseTemplate } from "./parser.ts";
import type { Node } from "./nodes.ts";

export { TemplateParseError } from "./parser.ts";
export { TemplateExecError, type FuncMap, type TemplateFunction } from "./exec.ts";
export { goStruct } from "./values.ts";
export { headerFunctions } from "./funcs.ts";

export class Template {
  private constructor(readonly text: string, private readonly tree: Node, private readonly funcs: FuncMap) {}

  /** Parses `text` with Go's builtins and Docker's functions (plus `extra`, which win over both). */
  static parse(text: string, extra: FuncMap = {}): Template {
    const funcs = { ...builtinFunctions, ...dockerFunctions, ...extra };
    return new Template(text, parseTemplate(text, new Set(Object.keys(funcs))), funcs);
  }

  execute(data: unknown, funcs?: FuncMap): string {
    return execute(this.text, this.tree, data, funcs ? { ...this.funcs, ...funcs } : this.funcs);
  }
}
