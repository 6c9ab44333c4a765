// The first pass over a Dockerfile: parser directives, comments, line continuations and heredoc
// bodies, giving one logical line per instruction with the number of its first physical line.
import { DockerfileParseError } from "../errors.ts";

export interface Directives {
  escape: string;
  /** `# syntax=` is accepted and ignored: the frontend is built in. */
  syntax?: string;
  check?: string;
}

export interface Heredoc {
  name: string;
  /** The body, each line ending in "\n"; leading tabs are still there when `chomp` (`<<-`). */
  content: string;
  /** False when the delimiter was quoted (`<<'EOF'`): no variable expansion in the body. */
  expand: boolean;
  chomp: boolean;
}

export interface LogicalLine {
  line: number;
  endLine: number;
  /** The instruction with continuations joined (escape + newline removed). */
  text: string;
  heredocs: Heredoc[];
}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
const KNOWN_DIRECTIVES = new Set(["syntax", "escape", "check"]);
const COMMENT = /^[ \t]*#/;
const BLANK = /^[ \t]*$/;
const HEREDOC_INSTRUCTIONS = /^[ \t]*(RUN|COPY|ADD)\b/i;
// `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`, optionally after a file-descriptor number, as a whole word.
const HEREDOC_MARKER = /(?:^|[ \t])[0-9]*<<(-?)(?:"([^"\s]+)"|'([^'\s]+)'|([^\s<>"'|&;()]+))(?=$|[ \t])/g;

export function readDirectives(lines: string[], file: string): { directives: Directives; next: number } {
  const directives: Directives = { escape: "\\" };
  const seen = new Set<string>();
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    const name = m[1]!.toLowerCase();
    if (!KNOWN_DIRECTIVES.has(name)) break; // unknown directives are comments, and end the directives
    if (seen.has(name)) throw new DockerfileParseError(i + 1, `only one ${name} parser directive can be used`, file);
    seen.add(name);
    const value = m[2]!;
    if (name === "escape") {
      if (value !== "\\" && value !== "`") throw new DockerfileParseError(i + 1, `invalid escape token '${value}' does not match ^[\\\\\`]$`, file);
      directives.escape = value;
    } else if (name === "syntax") directives.syntax = value;
    else directives.check = value;
  }
  return { directives, next: i };
}

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

export function splitLogicalLines(source: string, file = "Dockerfile"): { directives: Directives; lines: LogicalLine[] } {
  const physical = source.replace(/^\uFEFF/, "").split("\n").map((l) => l.replace(/\r$/, ""));
  if (physical.length && physical[physical.length - 1] === "") physical.pop();
  const { directives, next } = readDirectives(physical, file);
  const continuation = new RegExp(`${escapeRegExp(directives.escape)}[ \\t]*$`);
  const out: LogicalLine[] = [];
  let i = next;
  while (i < physical.length) {
    const first = physical[i]!;
    if (COMMENT.test(first) || BLANK.test(first)) { i++; continue; }
    const line = i + 1;
    let text = "";
    let current = first;
    for (;;) {
      if (!continuation.test(current)) { text += current; i++; break; }
      text += current.replace(continuation, "");
      i++;
      // Comment and empty lines inside a continued instruction are skipped, as Docker does.
      while (i < physical.length && (COMMENT.test(physical[i]!) || BLANK.test(physical[i]!))) i++;
      if (i >= physical.length) break;
      current = physical[i]!;
    }
    const endLine = i;
    const heredocs: Heredoc[] = [];
    if (HEREDOC_INSTRUCTIONS.test(text)) {
      for (const m of text.matchAll(HEREDOC_MARKER)) {
        const chomp = m[1] === "-";
        const name = m[2] ?? m[3] ?? m[4]!;
        const expand = m[4] !== undefined;
        const body: string[] = [];
        for (;;) {
          if (i >= physical.length) throw new DockerfileParseError(line, `unterminated heredoc ${name}`, file);
          const raw = physical[i++]!;
          if ((chomp ? raw.replace(/^\t+/, "") : raw) === name) break;
          body.push(raw);
        }
        heredocs.push({ name, content: body.map((l) => `${l}\n`).join(""), expand, chomp });
      }
    }
    out.push({ line, endLine: Math.max(endLine, i), text, heredocs });
  }
  return { directives, lines: out };
}
