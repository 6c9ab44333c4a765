// .dockerignore matching, from the Dockerfile reference's examples and moby/patternmatcher's rules.
import { describe, expect, test } from "bun:test";
import { cleanPath, isIgnored, parseDockerignore } from "../../src/build/context/dockerignore.ts";

const ignored = (rules: string, path: string) => isIgnored(parseDockerignore(rules), path);

describe("dockerignore", () => {
  test("the reference example", () => {
    const rules = "# comment\n*/temp*\n*/*/temp*\ntemp?\n";
    expect(ignored(rules, "somedir/temporary.txt")).toBe(true);
    expect(ignored(rules, "somedir/temp")).toBe(true);
    expect(ignored(rules, "somedir/subdir/temporary.txt")).toBe(true);
    expect(ignored(rules, "tempa")).toBe(true);
    expect(ignored(rules, "tempab")).toBe(false);
    expect(ignored(rules, "temporary.txt")).toBe(false);
    expect(ignored(rules, "# comment")).toBe(false);
  });
  test("** matches any number of directories, including none", () => {
    expect(ignored("**/*.go", "a.go")).toBe(true);
    expect(ignored("**/*.go", "x/y/z/a.go")).toBe(true);
    expect(ignored("**/*.go", "x/a.goo")).toBe(false);
    expect(ignored("a/**/b", "a/b")).toBe(true);
    expect(ignored("a/**/b", "a/x/y/b")).toBe(true);
    expect(ignored("a/**", "a/x/y")).toBe(true);
    expect(ignored("**", "anything/at/all")).toBe(true);
  });
  test("! exceptions: the last matching line wins (reference examples)", () => {
    expect(ignored("*.md\n!README.md", "README.md")).toBe(false);
    expect(ignored("*.md\n!README.md", "CHANGES.md")).toBe(true);
    expect(ignored("*.md\n!README*.md\nREADME-secret.md", "README-secret.md")).toBe(true);
    expect(ignored("*.md\n!README*.md\nREADME-secret.md", "README-public.md")).toBe(false);
    expect(ignored("*.md\nREADME-secret.md\n!README*.md", "README-secret.md")).toBe(false);
  });
  test("a pattern matching a directory excludes what is below it", () => {
    expect(ignored("secret", "secret/key.pem")).toBe(true);
    expect(ignored("a/b", "a/b/c/d")).toBe(true);
    expect(ignored("a/b", "a/bc")).toBe(false);
    expect(ignored("node_modules\n!node_modules/keep", "node_modules/keep")).toBe(false);
    expect(ignored("node_modules\n!node_modules/keep", "node_modules/other")).toBe(true);
  });
  test("patterns are cleaned: leading slash, ./, .., trailing slash, spaces", () => {
    expect(ignored("/foo", "foo")).toBe(true);
    expect(ignored("./foo/", "foo")).toBe(true);
    expect(ignored("  foo/../bar  ", "bar")).toBe(true);
    expect(ignored("! foo", "foo")).toBe(false);
    expect(cleanPath("a//b/./c/..")).toBe("a/b");
    expect(cleanPath("../x")).toBe("../x");
    expect(cleanPath("/../x")).toBe("/x");
  });
  test("filepath.Match syntax: ? [] [^] and escapes; regex characters are literal", () => {
    expect(ignored("file?.txt", "file1.txt")).toBe(true);
    expect(ignored("file?.txt", "file/.txt")).toBe(false);
    expect(ignored("[abc].txt", "b.txt")).toBe(true);
    expect(ignored("[a-c].txt", "d.txt")).toBe(false);
    expect(ignored("[^a].txt", "a.txt")).toBe(false);
    expect(ignored("[^a].txt", "b.txt")).toBe(true);
    expect(ignored("\\*.txt", "*.txt")).toBe(true);
    expect(ignored("\\*.txt", "a.txt")).toBe(false);
    expect(ignored("a.txt", "abtxt")).toBe(false);
    expect(ignored("a+(b)|c$", "a+(b)|c$")).toBe(true);
    expect(ignored("[", "[")).toBe(true); // Docker rejects the pattern; we read an unclosed [ literally
  });
  test("* does not cross directories", () => {
    expect(ignored("*.log", "logs/a.log")).toBe(false);
    expect(ignored("*/a.log", "logs/a.log")).toBe(true);
  });
});
