// The Go text/template engine against Go's documented semantics (text/template docs and exec_test.go
// cases) and Docker's documented --format examples (docs/config/formatting.md).
import { describe, expect, test } from "bun:test";
import { Template, TemplateExecError, TemplateParseError, goStruct } from "../../src/format/template/index.ts";
import { goFloat, goString } from "../../src/format/template/values.ts";
import { goSprintf } from "../../src/format/template/printf.ts";

const data = {
  X: "x", Z: 7, F: 1.5, T: true, Fa: false, Nil: null, Empty: "",
  SI: [3, 4, 5], SS: ["a", "b"], SE: [] as number[],
  MSI: { one: 1, two: 2, three: 3 }, MSIone: { one: 1 }, ME: {},
  U: { V: "v", W: { Deep: "deep" } },
  Names: ["web", "db"],
  Config: { Labels: { "com.example.vendor": "ACME", "com.example.version": "1.0" }, Image: "busybox:latest" },
};

const run = (text: string, value: unknown = data) => Template.parse(text).execute(value);
const parseError = (text: string) => { try { Template.parse(text); } catch (e) { expect(e).toBeInstanceOf(TemplateParseError); return (e as Error).message; } throw new Error(`parsed: ${text}`); };
const execError = (text: string, value: unknown = data) => { try { run(text, value); } catch (e) { expect(e).toBeInstanceOf(TemplateExecError); return (e as Error).message; } throw new Error(`executed: ${text}`); };

describe("fields, maps and printing (fmt %v)", () => {
  test.each([
    ["{{.X}}", "x"], ["{{.Z}}", "7"], ["{{.F}}", "1.5"], ["{{.T}}", "true"], ["{{.U.V}}", "v"], ["{{.U.W.Deep}}", "deep"],
    ["{{.SI}}", "[3 4 5]"], ["{{.SS}}", "[a b]"], ["{{.SE}}", "[]"], ["{{.MSI}}", "map[one:1 three:3 two:2]"], ["{{.ME}}", "map[]"],
    ["{{.Config.Labels}}", "map[com.example.vendor:ACME com.example.version:1.0]"],
    ["{{.Missing}}", "<no value>"], ["{{.Missing.Deeper}}", "<no value>"], ["{{.Nil}}", "<nil>"],
    ["{{.}}", goString(data)], ["{{$}}", goString(data)], ["{{.U}}", "map[V:v W:map[Deep:deep]]"],
    ["a{{.X}}b{{.Z}}c", "axb7c"], ["{{3}} {{-3}} {{0x1F}} {{1e3}} {{'a'}} {{\"s\"}} {{`raw\\n`}} {{true}}", "3 -3 31 1000 97 s raw\\n true"],
  ])("%s", (text, want) => expect(run(text)).toBe(want));

  test("struct fields are strict, map keys are not (Go: can't evaluate field / <no value>)", () => {
    const row = goStruct("*formatter.ContainerContext", { ID: "abc", Label: Object.assign((k: unknown) => `L:${String(k)}`, { arity: 1 }) });
    expect(run("{{.ID}} {{.Label \"k\"}}", row)).toBe("abc L:k");
    expect(execError("{{.Nope}}", row)).toBe('template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext');
    expect(execError("{{.ID \"x\"}}", row)).toBe('template: :1:2: executing "" at <.ID>: ID has arguments but cannot be invoked as function');
    expect(execError("x\n  {{.X.Y}}")).toBe('template: :2:4: executing "" at <.X.Y>: can\'t evaluate field Y in type string');
    expect(execError("{{.U.V 1}}")).toBe('template: :1:2: executing "" at <.U.V>: V is not a method but has arguments');
  });

  test("Go's float printing", () => {
    expect([0.1, 1.5, 1e-5, 123456.5, 1234567.5, -2.25].map(goFloat)).toEqual(["0.1", "1.5", "1e-05", "123456.5", "1.2345675e+06", "-2.25"]);
  });
});

describe("actions", () => {
  test.each([
    ["{{if .T}}yes{{end}}", "yes"], ["{{if .Fa}}yes{{else}}no{{end}}", "no"], ["{{if .SE}}a{{else if .SI}}b{{else}}c{{end}}", "b"],
    ["{{if .Empty}}a{{else if .ME}}b{{else}}c{{end}}", "c"], ["{{if .Missing}}a{{else}}b{{end}}", "b"], ["{{if .Nil}}a{{else}}b{{end}}", "b"],
    ["{{with .U}}{{.V}}{{end}}", "v"], ["{{with .Empty}}a{{else}}none{{end}}", "none"], ["{{with $x := .X}}{{$x}}{{.}}{{end}}", "xx"],
    ["{{with .Empty}}a{{else with .X}}{{.}}{{end}}", "x"],
    ["{{range .SI}}-{{.}}-{{end}}", "-3--4--5-"], ["{{range .SE}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY"],
    ["{{range $x := .SI}}<{{$x}}>{{end}}", "<3><4><5>"], ["{{range $i, $v := .SI}}<{{$i}}={{$v}}>{{end}}", "<0=3><1=4><2=5>"],
    ["{{range .MSI}}-{{.}}-{{end}}", "-1--3--2-"], ["{{range $k, $v := .MSI}}{{$k}}={{$v}};{{end}}", "one=1;three=3;two=2;"],
    ["{{range .SI}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}", "3"], ["{{range .SI}}{{if eq . 4}}{{continue}}{{end}}{{.}}{{end}}", "35"],
    ["{{range .Missing}}x{{end}}", ""], ["{{range 3}}{{.}}{{end}}", "012"],
    ["{{range $key, $value := .Config.Labels}}{{$key}}={{$value}}{{println}}{{end}}", "com.example.vendor=ACME\ncom.example.version=1.0\n"],
    ["{{$x := 1}}{{$x}}{{$x = 2}}{{$x}}", "12"], ["{{$x := .X}}{{with .U}}{{$x}}{{.V}}{{$}}{{end}}", `xv${goString(data)}`],
    ["{{range .SI}}{{$.X}}{{end}}", "xxx"], ["{{if true}}{{$y := 1}}{{$y}}{{end}}", "1"],
    ["{{/* a comment */}}", ""], ["{{- /* trimmed */ -}}  x", "x"], ["{{23 -}} < {{- 45}}", "23<45"], ["a  \n{{- .X -}}\n  b", "axb"],
    ["{{.X | printf \"%s!\"}}", "x!"], ["{{\"hello\" | printf \"%s %s\" \"say\"}}", "say hello"], ["{{(index .SI 1) | printf \"%03d\"}}", "004"],
    ["{{(.U).V}}", "v"], ["{{(index .SS 0)}}", "a"], ["{{$u := .U}}{{$u.W.Deep}}", "deep"],
  ])("%s", (text, want) => expect(run(text)).toBe(want));
});

describe("builtin functions", () => {
  test.each([
    ["{{and 1 0}}", "0"], ["{{and 1 2}}", "2"], ["{{or 0 \"\" .X}}", "x"], ["{{or 0 \"\"}}", ""], ["{{not .T}} {{not .SE}}", "false true"],
    ["{{and .Fa .Missing.X}}", "false"], ["{{or .T (index .SI 99)}}", "true"],
    ["{{len .SI}} {{len .MSI}} {{len \"héllo\"}}", "3 3 6"], ["{{index .SI 2}} {{index .MSI \"two\"}} {{index .Config.Labels \"com.example.vendor\"}}", "5 2 ACME"],
    ["{{index .MSI \"none\"}}", "<no value>"], ["{{slice .SI 1 2}} {{slice \"abcd\" 1}}", "[4] bcd"],
    ["{{print 1 2}} {{print \"a\" \"b\"}} {{print 1 \"a\" 2}}", "1 2 ab 1a2"], ["{{println 1 \"a\"}}", "1 a\n"],
    ["{{printf \"%d|%5s|%-5s|%q|%v|%t|%x|%.2f|%05d|%%\" 42 \"ab\" \"cd\" \"q\" .SI true 255 3.14159 -42}}", '42|   ab|cd   |"q"|[3 4 5]|true|ff|3.14|-0042|%'],
    ["{{printf \"%d %s\" 1}}", "1 %!s(MISSING)"], ["{{printf \"%d\" \"x\"}}", "%!d(string=x)"], ["{{printf \"%s\" 1 2}}", "%!s(int=1)%!(EXTRA int=2)"],
    ["{{eq 1 1}} {{eq 1 2 1}} {{eq .X \"y\"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1 2}}", "true true false true true true true false"],
    ["{{html \"<a&b>\"}} {{urlquery \"a b&c\"}} {{js \"it's\"}}", "&lt;a&amp;b&gt; a+b%26c it\\'s"],
  ])("%s", (text, want) => expect(run(text)).toBe(want));

  test("errors from functions name the call", () => {
    expect(execError("{{index .SI 7}}")).toBe('template: :1:2: executing "" at <index .SI 7>: error calling index: index out of range: 7');
    expect(execError("{{len 3}}")).toBe('template: :1:2: executing "" at <len 3>: error calling len: len of type int');
    expect(execError("{{eq .X 1}}")).toBe('template: :1:2: executing "" at <eq .X 1>: error calling eq: incompatible types for comparison');
    expect(execError("{{join .SS}}")).toBe('template: :1:2: executing "" at <join .SS>: wrong number of args for join: want 2 got 1');
    expect(execError("{{.X 1}}")).toContain("X is not a method but has arguments");
    expect(execError("{{3 4}}")).toContain("can't give argument to non-function 3");
  });
});

describe("Docker's functions (docs/config/formatting.md)", () => {
  test.each([
    ["{{join .Names \" , \"}}", "web , db"], ["{{json .Names}}", '["web","db"]'], ["{{json .Config.Labels}}", '{"com.example.vendor":"ACME","com.example.version":"1.0"}'],
    ["{{json .U}}", '{"V":"v","W":{"Deep":"deep"}}'], ["{{json .Missing}}", "null"], ["{{json \"<&>\"}}", '"<&>"'],
    ["{{split .Config.Image \":\"}}", "[busybox latest]"], ["{{index (split .Config.Image \":\") 1}}", "latest"],
    ["{{lower \"ABC\"}} {{upper \"abc\"}} {{title \"hello wide-world\"}}", "abc ABC Hello Wide-World"],
    ["{{pad .X 2 3}}|", "  x   |"], ["{{truncate \"abcdef\" 3}} {{truncate \"ab\" 3}}", "abc ab"],
    ["{{.X | upper | printf \"%q\"}}", '"X"'],
  ])("%s", (text, want) => expect(run(text)).toBe(want));

  test("json of a row context: every method without arguments, keys sorted (docker/cli MarshalJSON)", () => {
    const row = goStruct("*formatter.ContainerContext", { Names: "n", ID: "i", Label: Object.assign(() => "", { arity: 1 }), Mounts: Object.assign(() => "m", { arity: 0 }) });
    expect(run("{{json .}}", row)).toBe('{"ID":"i","Mounts":"m","Names":"n"}');
  });
});

describe("parse errors in Go's words", () => {
  test.each([
    ["{{.Foo}", 'template: :1: unexpected "}" in operand'],
    ["{{.X", "template: :1: unclosed action"],
    ["{{if .X}}a", "template: :1: unexpected EOF"],
    ["{{end}}", "template: :1: unexpected {{end}}"],
    ["{{else}}", "template: :1: unexpected {{else}}"],
    ["{{$x}}", 'template: :1: undefined variable "$x"'],
    ["{{nosuch .X}}", 'template: :1: function "nosuch" not defined'],
    ["{{}}", "template: :1: missing value for command"],
    ["{{.X | 3}}", "template: :1: non executable command in pipeline stage 2"],
    ["{{break}}", "template: :1: {{break}} outside {{range}}"],
    ["a\nb\n{{.X )}}", "template: :3: unexpected right paren"],
    ["{{\"abc}}", "template: :1: unterminated quoted string"],
    ["{{/* x }}", "template: :1: unclosed comment"],
    ["{{3x}}", 'template: :1: bad number syntax: "3x"'],
    ["{{range $a, $b, $c := .SI}}{{end}}", "template: :1: too many declarations in range"],
    ["{{if}}{{end}}", "template: :1: missing value for if"],
    ["{{(.X}}", "template: :1: unclosed left paren"],
    ["{{3.x}}", 'template: :1: bad number syntax: "3.x"'],
  ])("%s", (text, want) => expect(parseError(text)).toBe(want));
});

describe("Go's fmt", () => {
  test("Sprintf flags and verbs", () => {
    expect(goSprintf("%6.2f|%-6d|%+d|%x|%X|%o|%c|%e", [3.14159, 7, 5, "hi", 255, 8, 65, 1234.5])).toBe("  3.14|7     |+5|6869|FF|10|A|1.234500e+03");
  });
});
