// Random templates from the pieces users type: the engine either renders or fails with one line in Go's
// "template: …" form — never another exception, never a hang. Seeded, so a failure reproduces.
import { expect, test } from "bun:test";
import { Template, TemplateExecError, TemplateParseError } from "../../src/format/template/index.ts";

const PIECES = [
  "{{", "}}", "{{-", " -}}", ".", ".A", ".B.C", ".M", "$", "$x", "$x :=", "$i, $v :=", "=", "|", "(", ")", " ", "\n", "\t",
  "if", "else", "else if", "end", "range", "with", "break", "continue", "and", "or", "not", "len", "index", "printf", "print",
  "println", "eq", "lt", "json", "join", "split", "upper", "pad", "truncate", "\"s\"", "\"%d %s\"", "`r`", "'c'", "1", "-2", "3.5",
  "0x1f", "true", "nil", "/*", "*/", "text", "}", "{", ",", ":", "é", "\u0000",
];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

const data = { A: "a", B: { C: [1, 2, 3] }, M: { k: "v", n: null }, L: ["x", "y"] };

test("10 000 random templates: a result, or a one-line Go-style error", () => {
  const r = rng(1313);
  let rendered = 0;
  for (let n = 0; n < 10_000; n++) {
    const parts: string[] = [];
    const count = 1 + Math.floor(r() * 12);
    for (let i = 0; i < count; i++) parts.push(PIECES[Math.floor(r() * PIECES.length)]!);
    // Half the cases are well-delimited actions, so the executor is reached as well as the parser.
    const text = r() < 0.5 ? `{{${parts.join(" ")}}}` : parts.join("");
    try {
      const out = Template.parse(text).execute(data);
      expect(typeof out).toBe("string");
      rendered++;
    } catch (e) {
      if (!(e instanceof TemplateParseError || e instanceof TemplateExecError)) throw new Error(`template ${JSON.stringify(text)}: ${String(e)}`);
      expect(e.message.startsWith("template: ")).toBe(true);
    }
  }
  expect(rendered).toBeGreaterThan(100);
});
