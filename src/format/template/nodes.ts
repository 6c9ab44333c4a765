// The parse tree of a template, as text/template/parse builds it. `pos` is the byte offset of the node in
// the template text (Go reports execution errors as line:offset), `text` is Go's node.String().
export type Node =
  | { type: "list"; pos: number; nodes: Node[] }
  | { type: "text"; pos: number; text: string }
  | { type: "action"; pos: number; line: number; pipe: PipeNode }
  | ControlNode
  | { type: "break" | "continue"; pos: number }
  | PipeNode
  | CommandNode
  | OperandNode;

export interface ControlNode { type: "if" | "with" | "range"; pos: number; line: number; pipe: PipeNode; list: Node; elseList?: Node }
export interface PipeNode { type: "pipe"; pos: number; isAssign: boolean; decl: string[]; cmds: CommandNode[] }
export interface CommandNode { type: "command"; pos: number; args: OperandNode[] }

export type OperandNode =
  | { type: "field"; pos: number; idents: string[] }
  | { type: "variable"; pos: number; idents: string[] }
  | { type: "chain"; pos: number; node: OperandNode; fields: string[] }
  | { type: "identifier"; pos: number; name: string }
  | { type: "dot"; pos: number }
  | { type: "nil"; pos: number }
  | { type: "bool"; pos: number; value: boolean }
  | { type: "number"; pos: number; value: number; text: string }
  | { type: "string"; pos: number; value: string; text: string }
  | PipeNode;

/** Go's String() of a node, used in "executing … at <…>". */
export function nodeText(n: Node): string {
  switch (n.type) {
    case "field": return n.idents.map((i) => `.${i}`).join("");
    case "variable": return n.idents.join(".");
    case "chain": return `${n.node.type === "pipe" ? `(${nodeText(n.node)})` : nodeText(n.node)}${n.fields.map((f) => `.${f}`).join("")}`;
    case "identifier": return n.name;
    case "dot": return ".";
    case "nil": return "nil";
    case "bool": return String(n.value);
    case "number": case "string": return n.text;
    case "command": return n.args.map((a) => (a.type === "pipe" ? `(${nodeText(a)})` : nodeText(a))).join(" ");
    case "pipe": {
      const decl = n.decl.length ? `${n.decl.join(", ")} ${n.isAssign ? "=" : ":="} ` : "";
      return decl + n.cmds.map(nodeText).join(" | ");
    }
    case "action": return `{{${nodeText(n.pipe)}}}`;
    case "text": return n.text;
    default: return `{{${n.type}}}`;
  }
}
