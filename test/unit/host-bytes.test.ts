import { describe, expect, test } from "bun:test";
import { hostArgv, nulSeparated } from "../../src/cli/host-bytes.ts";

const cmdline = (...args: (string | number[])[]) => Buffer.concat(args.map((a) => Buffer.concat([Buffer.from(a as string), Buffer.from([0])])));

describe("hostArgv: the raw command line aligned with Bun's decoded one", () => {
  test("a compiled binary: process.argv starts differently, the user's arguments are the tail", () => {
    const raw = cmdline("./minibox", "run", "busybox", "printf", [0xff, 0xfe]);
    expect(hostArgv(["run", "busybox", "printf", "\ufffd\ufffd"], raw)).toEqual(["run", "busybox", "printf", "\udcff\udcfe"]);
  });

  test("plain arguments come back as they are", () => {
    expect(hostArgv(["ps", "-a"], cmdline("/usr/bin/minibox", "ps", "-a"))).toEqual(["ps", "-a"]);
    expect(hostArgv([], cmdline("minibox"))).toEqual([]);
  });

  test("a raw list that does not match Bun's view is not used", () => {
    expect(hostArgv(["ps", "-a"], cmdline("minibox", "ps", "-q"))).toEqual(["ps", "-a"]);
    expect(hostArgv(["ps", "-a", "x"], cmdline("ps", "-a"))).toEqual(["ps", "-a", "x"]);
  });

  test("empty arguments and a missing final NUL", () => {
    expect(nulSeparated(cmdline("a", "", "b"))).toEqual(["a", "", "b"]);
    expect(nulSeparated(Buffer.from("a\0b"))).toEqual(["a", "b"]);
  });
});
