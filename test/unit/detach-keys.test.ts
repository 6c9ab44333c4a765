// compat-run: detach keys as Docker reads them, and the stdin scanner that watches for them.
import { expect, test } from "bun:test";
import { UserError } from "../../src/errors.ts";
import { DetachScanner, parseDetachKeys } from "../../src/container/detach-keys.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

test("Docker's key names", () => {
  expect([...parseDetachKeys("ctrl-p,ctrl-q")]).toEqual([16, 17]);
  expect([...parseDetachKeys("a,ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,CTRL-A")]).toEqual([97, 0, 27, 28, 29, 30, 31, 1]);
  for (const bad of ["", "ctrl-", "ctrl-1", "ab", "ctrl-ab", "a,,b", "é"]) expect(() => parseDetachKeys(bad)).toThrow(UserError);
});

test("the sequence is held back while it may match, passed on when broken, and ends the relay when complete", () => {
  const s = new DetachScanner(parseDetachKeys("ctrl-p,ctrl-q"));
  expect(s.push(bytes("ab\x10"))).toEqual({ pass: bytes("ab"), detach: false });
  expect(s.push(bytes("c"))).toEqual({ pass: bytes("\x10c"), detach: false });
  expect(s.push(bytes("\x10\x10"))).toEqual({ pass: bytes("\x10"), detach: false });
  expect(s.push(bytes("\x11rest"))).toEqual({ pass: bytes(""), detach: true });
});

test("a one-key sequence, and an empty one that never matches", () => {
  expect(new DetachScanner(parseDetachKeys("x")).push(bytes("abxcd"))).toEqual({ pass: bytes("ab"), detach: true });
  expect(new DetachScanner(new Uint8Array()).push(bytes("\x10\x11"))).toEqual({ pass: bytes("\x10\x11"), detach: false });
});
