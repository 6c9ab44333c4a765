// Variable substitution, from the Dockerfile reference's "Environment replacement" examples and
// BuildKit's shell lexer rules.
import { describe, expect, test } from "bun:test";
import { envLookup, expandWord, expandWords, ExpansionError } from "../../src/build/dockerfile/expand.ts";

const env = envLookup(["FOO=/bar", "EMPTY=", "SPACED=a b  c", "abc=hello", "TWO=x y"]);
const w = (s: string, escape = "\\") => expandWord(s, env, escape);

describe("expandWord", () => {
  test("plain and braced variables", () => {
    expect(w("$FOO")).toBe("/bar");
    expect(w("${FOO}")).toBe("/bar");
    expect(w("${FOO}/baz")).toBe("/bar/baz");
    expect(w("$FOO/baz")).toBe("/bar/baz");
    expect(w("a$abc-b")).toBe("ahello-b");
    expect(w("$UNSET")).toBe("");
    expect(w("x${UNSET}y")).toBe("xy");
  });
  test("modifiers with and without the colon", () => {
    expect(w("${UNSET:-word}")).toBe("word");
    expect(w("${EMPTY:-word}")).toBe("word");
    expect(w("${EMPTY-word}")).toBe("");
    expect(w("${UNSET-word}")).toBe("word");
    expect(w("${FOO:-word}")).toBe("/bar");
    expect(w("${FOO:+word}")).toBe("word");
    expect(w("${EMPTY:+word}")).toBe("");
    expect(w("${EMPTY+word}")).toBe("word");
    expect(w("${UNSET+word}")).toBe("");
    expect(w("${UNSET:-$FOO/x}")).toBe("/bar/x");
    expect(w("${UNSET:-a b}")).toBe("a b");
    expect(w("${FOO:?}")).toBe("/bar");
  });
  test("${VAR:?msg} fails with the message", () => {
    expect(() => w("${UNSET:?must be set}")).toThrow(new ExpansionError("UNSET: must be set"));
    expect(() => w("${EMPTY:?}")).toThrow("EMPTY: is not allowed to be unset");
    expect(w("${EMPTY?}")).toBe("");
  });
  test("escapes and quotes", () => {
    expect(w("\\$FOO")).toBe("$FOO");
    expect(w("\\${FOO}")).toBe("${FOO}");
    expect(w("'$FOO'")).toBe("$FOO");
    expect(w('"$FOO"')).toBe("/bar");
    expect(w('"a \\"q\\" \\$FOO \\x"')).toBe('a "q" $FOO \\x');
    expect(w("a\\ b")).toBe("a b");
    expect(w('"hello world"')).toBe("hello world");
    expect(w("`$FOO", "`")).toBe("$FOO");
    expect(w("\\$FOO", "`")).toBe("\\/bar");
  });
  test("a lone or trailing $ stays, $$ is the unset special parameter", () => {
    expect(w("a$")).toBe("a$");
    expect(w("$ x")).toBe("$ x");
    expect(w("$$")).toBe("");
    expect(w("$1x")).toBe("x");
  });
  test("errors are typed", () => {
    expect(() => w("${FOO")).toThrow(ExpansionError);
    expect(() => w("${FOO:-x")).toThrow("syntax error: missing '}'");
    expect(() => w("${FOO^x}")).toThrow("unsupported modifier (^) in substitution");
    expect(() => w("${FOO#x")).toThrow("syntax error: missing '}'");
    expect(() => w("${FOO/x/y")).toThrow("syntax error: missing '}'");
    expect(() => w("'abc")).toThrow("unexpected end of statement while looking for matching single-quote");
    expect(() => w('"abc')).toThrow("unexpected end of statement while looking for matching double-quote");
    expect(() => w("${}")).toThrow("bad substitution");
  });
});

describe("expandWords", () => {
  test("splits on unquoted whitespace, including inside unquoted expansions", () => {
    expect(expandWords("80/tcp  $TWO", env)).toEqual(["80/tcp", "x", "y"]);
    expect(expandWords('"$TWO" z', env)).toEqual(["x y", "z"]);
    expect(expandWords("'a b' c\\ d", env)).toEqual(["a b", "c d"]);
    expect(expandWords("", env)).toEqual([]);
  });
});

describe("fuzz", () => {
  test("random words only ever fail with ExpansionError", () => {
    const pieces = ["$", "{", "}", ":", "-", "+", "?", "%", "#", "'", '"', "\\", "`", " ", "FOO", "EMPTY", "x", "\n", "$$", "${", "\u00e9"];
    let seed = 7;
    const random = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
    for (let i = 0; i < 5000; i++) {
      let word = "";
      for (let j = Math.floor(random() * 20); j > 0; j--) word += pieces[Math.floor(random() * pieces.length)];
      for (const fn of [() => expandWord(word, env), () => expandWords(word, env), () => expandWord(word, env, "`")]) {
        try {
          fn();
        } catch (e) {
          if (!(e instanceof ExpansionError)) throw new Error(`${JSON.stringify(word)} threw ${e}`);
        }
      }
    }
  });
});

describe("pattern modifiers (newer BuildKit frontends)", () => {
  const v = envLookup(["P=/usr/local/lib/libfoo.so.1.2", "F=archive.tar.gz", "S=a-b-c-b", "V=v1.2.3", "EMPTY="]);
  const x = (s: string) => expandWord(s, v);
  test("${VAR#pat} and ${VAR##pat}: shortest and longest prefix removed", () => {
    expect(x("${P#*/}")).toBe("usr/local/lib/libfoo.so.1.2");
    expect(x("${P##*/}")).toBe("libfoo.so.1.2");
    expect(x("${V#v}")).toBe("1.2.3");
    expect(x("${V#x}")).toBe("v1.2.3");
    expect(x("${UNSET#*}")).toBe("");
    expect(x("${S#?-}")).toBe("b-c-b");
  });
  test("${VAR%pat} and ${VAR%%pat}: shortest and longest suffix removed", () => {
    expect(x("${F%.*}")).toBe("archive.tar");
    expect(x("${F%%.*}")).toBe("archive");
    expect(x("${P%/*}")).toBe("/usr/local/lib");
    expect(x("${V%[0-9]}")).toBe("v1.2.");
    expect(x("${V%nomatch}")).toBe("v1.2.3");
  });
  test("${VAR/pat/repl} (first, longest match) and ${VAR//pat/repl} (all)", () => {
    expect(x("${S/b/X}")).toBe("a-X-c-b");
    expect(x("${S//b/X}")).toBe("a-X-c-X");
    expect(x("${S//-}")).toBe("abcb");
    expect(x("${S/-*-/+}")).toBe("a+b");
    expect(x("${V//./_}")).toBe("v1_2_3");
    expect(x("${S/$UNSET/X}")).toBe("a-b-c-b");
  });
  test("the pattern and the replacement are expanded themselves", () => {
    const y = envLookup(["D=.", "R=::", "F=a.b.c"]);
    expect(expandWord("${F//$D/$R}", y)).toBe("a::b::c");
    expect(expandWord("${F%$D*}", y)).toBe("a.b");
  });
});
