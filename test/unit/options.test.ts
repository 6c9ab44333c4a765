import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, UserError } from "../../src/errors.ts";
import { parseEnvFile, parseTmpfs, resolveEnvArg, validateHostname, validateName } from "../../src/container/options.ts";

let dir = "";
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "minibox-options-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

function userError(fn: () => unknown): UserError {
  try { fn(); } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error("expected a UserError, nothing was thrown");
}

describe("validateName", () => {
  test("Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+, a leading slash is stripped", () => {
    expect(validateName("web")).toBe("web");
    expect(validateName("/web-1.a_b")).toBe("web-1.a_b");
    expect(validateName("0x")).toBe("0x");
  });
  test.each(["", "a", "-web", ".web", "_web", "we b", "we/b", "web:1", "//web", "wéb"])("refuses %p", (name) => {
    expect(userError(() => validateName(name)).exitCode).toBe(EXIT.ENGINE);
  });
});

describe("validateHostname", () => {
  test("accepts labels and dotted names", () => {
    for (const h of ["a", "web", "my-host", "a.b.c", "x1.example-2.org", "a".repeat(63)]) expect(validateHostname(h)).toBe(h);
  });
  test.each(["", "-a", "a-", "a..b", "a.", ".a", "a_b", "a b", "a".repeat(64), `${"a".repeat(60)}.${"b".repeat(10)}`])("refuses %p", (h) => {
    userError(() => validateHostname(h));
  });
});

describe("resolveEnvArg", () => {
  const host = { HOME: "/root", EMPTY: "" };
  test("KEY=VAL as given, even an empty value", () => {
    expect(resolveEnvArg("A=1", host)).toBe("A=1");
    expect(resolveEnvArg("A=", host)).toBe("A=");
    expect(resolveEnvArg("A=b=c", host)).toBe("A=b=c");
  });
  test("KEY takes the host's value; dropped when the host has none", () => {
    expect(resolveEnvArg("HOME", host)).toBe("HOME=/root");
    expect(resolveEnvArg("EMPTY", host)).toBe("EMPTY=");
    expect(resolveEnvArg("MISSING", host)).toBeUndefined();
  });
  test("=VAL is refused", () => {
    userError(() => resolveEnvArg("=x", host));
  });
});

describe("parseEnvFile", () => {
  test("comments, blank lines, CRLF, leading spaces, host lookups", () => {
    const f = join(dir, "env");
    writeFileSync(f, "# comment\n\nA=1\r\n   B=two words  \n  # indented comment\nHOME\nMISSING\nC=x=y\n\t\nD=\n");
    expect(parseEnvFile(f, { HOME: "/root" })).toEqual(["A=1", "B=two words  ", "HOME=/root", "C=x=y", "D="]);
  });
  test("whitespace in a name is refused", () => {
    const f = join(dir, "bad-env");
    writeFileSync(f, "A B=1\n");
    expect(userError(() => parseEnvFile(f, {})).message).toContain("A B=1");
  });
  test("a missing file is a UserError naming the path", () => {
    const f = join(dir, "nope");
    expect(userError(() => parseEnvFile(f, {})).message).toContain(f);
  });
});

describe("parseTmpfs", () => {
  test("defaults nosuid,nodev,noexec, then the user's options in order", () => {
    expect(parseTmpfs("/run")).toEqual({ destination: "/run", options: ["nosuid", "nodev", "noexec"] });
    expect(parseTmpfs("/run:size=64m,exec,mode=1777")).toEqual({
      destination: "/run", options: ["nosuid", "nodev", "noexec", "size=64m", "exec", "mode=1777"],
    });
  });
  test("only the first ':' splits", () => {
    expect(parseTmpfs("/run:uid=1,x=a:b").options).toEqual(["nosuid", "nodev", "noexec", "uid=1", "x=a:b"]);
  });
  test("relative destination is refused", () => {
    userError(() => parseTmpfs("run"));
    userError(() => parseTmpfs(":size=1m"));
  });
});
