// compat-run: labels as Docker's CLI reads them, and the label= filter.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../src/errors.ts";
import { labelMap, mergeLabels, parseLabelFile, parseLabelFlags } from "../../src/container/label-flags.ts";
import { labelMatches } from "../../src/container/labels.ts";

const dir = mkdtempSync(join(tmpdir(), "minibox-labels-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string | Uint8Array) => { const p = join(dir, name); writeFileSync(p, text); return p; };

describe("label files", () => {
  test("comments, blank lines, leading blanks, a BOM and CRLF as Docker; bare keys kept", () => {
    expect(parseLabelFile(file("a", "\uFEFFa=1\r\n# no\n\n   b=c d\nbare\n"))).toEqual(["a=1", "b=c d", "bare"]);
  });

  test("a key with blanks, an empty key, invalid UTF-8 and a missing file are user errors", () => {
    expect(() => parseLabelFile(file("b", "a b=1\n"))).toThrow(UserError);
    expect(() => parseLabelFile(file("c", "=1\n"))).toThrow(UserError);
    expect(() => parseLabelFile(file("d", new Uint8Array([0x61, 0x3d, 0xff, 0x0a])))).toThrow(UserError);
    expect(() => parseLabelFile(join(dir, "missing"))).toThrow(UserError);
  });

  test("flags win over files, later over earlier; a bare key is an empty label", () => {
    const f = file("e", "x=file\ny=file\n");
    expect(parseLabelFlags([f], ["y=flag", "z", "z=last"])).toEqual({ x: "file", y: "flag", z: "last" });
    expect(labelMap(["k=a=b", "e="])).toEqual({ k: "a=b", e: "" });
    expect(() => labelMap(["=v"])).toThrow(UserError);
  });
});

test("the container's labels over the image's", () => {
  expect(mergeLabels({ a: "image", b: "image" }, { b: "ctr" })).toEqual({ a: "image", b: "ctr" });
  expect(mergeLabels(undefined, undefined)).toEqual({});
  expect(mergeLabels({ ok: "x", n: 1, o: {} }, undefined)).toEqual({ ok: "x" }); // an image's config comes from anywhere
  expect(mergeLabels(["a"], { b: "c" })).toEqual({ b: "c" });
});

test("label=KEY and label=KEY=VALUE", () => {
  const labels = { a: "1", e: "" };
  expect(labelMatches(labels, "a")).toBe(true);
  expect(labelMatches(labels, "a=1")).toBe(true);
  expect(labelMatches(labels, "a=2")).toBe(false);
  expect(labelMatches(labels, "e=")).toBe(true);
  expect(labelMatches(labels, "b")).toBe(false);
  expect(labelMatches(labels, "constructor")).toBe(false);
  expect(labelMatches(undefined, "a")).toBe(false);
});
