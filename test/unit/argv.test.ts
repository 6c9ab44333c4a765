import { describe, expect, test } from "bun:test";
import type { ArgsDef } from "citty";
import { ArgvError, splitArgv } from "../../src/cli/argv.ts";

// The same shape as `run`'s definition (src/cli/run.ts), copied so this test does not load the runtime.
const def = {
  image: { type: "positional", required: false },
  name: { type: "string" },
  rm: { type: "boolean" },
  interactive: { type: "boolean", alias: "i" },
  tty: { type: "boolean", alias: "t" },
  detach: { type: "boolean", alias: "d" },
  env: { type: "string", alias: "e" },
  "env-file": { type: "string" },
  entrypoint: { type: "string" },
  workdir: { type: "string", alias: "w" },
  user: { type: "string", alias: "u" },
  volume: { type: "string", alias: "v" },
  "read-only": { type: "boolean" },
} satisfies ArgsDef;
const REPEATABLE = ["env", "env-file", "volume"];
const split = (...raw: string[]) => splitArgv(raw, def, 1, REPEATABLE);

describe("splitArgv", () => {
  test("the command after the image is kept verbatim, its own flags included", () => {
    const r = split("--rm", "busybox", "sh", "-c", "echo hi; exit 3", "--name", "-e");
    expect(r.values).toEqual({ rm: true });
    expect(r.positionals).toEqual(["busybox", "sh", "-c", "echo hi; exit 3", "--name", "-e"]);
  });

  test("an image with no command", () => {
    expect(split("-t", "alpine")).toEqual({ values: { tty: true }, positionals: ["alpine"] });
  });

  test("no arguments at all", () => {
    expect(split()).toEqual({ values: {}, positionals: [] });
  });

  test("repeatable options collect in order; non-repeatable ones: the last wins", () => {
    const r = split("-e", "A=1", "--env", "B=2", "-e", "A=3", "--name", "x", "--name", "y", "img");
    expect(r.values.env).toEqual(["A=1", "B=2", "A=3"]);
    expect(r.values.name).toBe("y");
    expect(r.positionals).toEqual(["img"]);
  });

  test("a repeatable option given once is still an array", () => {
    expect(split("-v", "/a:/b", "img").values.volume).toEqual(["/a:/b"]);
  });

  test("--name=x and --name x", () => {
    expect(split("--name=x", "img").values.name).toBe("x");
    expect(split("--name", "x", "img").values.name).toBe("x");
    expect(split("--env=A=B=C", "img").values.env).toEqual(["A=B=C"]);
    expect(split("--entrypoint=", "img").values.entrypoint).toBe("");
  });

  test("a value that looks like a flag is taken as the value", () => {
    expect(split("--entrypoint", "--rm", "img")).toEqual({ values: { entrypoint: "--rm" }, positionals: ["img"] });
  });

  test("bundled short booleans", () => {
    expect(split("-it", "img", "sh").values).toEqual({ interactive: true, tty: true });
    expect(split("-dit", "img").values).toEqual({ detach: true, interactive: true, tty: true });
  });

  test("boolean long flags take =true/=false", () => {
    expect(split("--rm=false", "img").values.rm).toBe(false);
    expect(split("--rm=true", "img").values.rm).toBe(true);
  });

  test("a short option with its value attached", () => {
    expect(split("-eFOO=bar", "img").values.env).toEqual(["FOO=bar"]);
    expect(split("-e=FOO=bar", "img").values.env).toEqual(["FOO=bar"]);
    expect(split("-uapp", "-w/srv", "img").values).toEqual({ user: "app", workdir: "/srv" });
  });

  test("-- ends the options", () => {
    expect(split("--rm", "--", "--weird-image", "-x")).toEqual({ values: { rm: true }, positionals: ["--weird-image", "-x"] });
    // After the image, "--" belongs to the command.
    expect(split("img", "--", "x").positionals).toEqual(["img", "--", "x"]);
  });

  test("'-' alone is a positional", () => {
    expect(split("-", "x").positionals).toEqual(["-", "x"]);
  });

  test("stopAfter counts positionals", () => {
    const r = splitArgv(["a", "--rm", "b", "--rm"], def, 2);
    expect(r).toEqual({ values: { rm: true }, positionals: ["a", "b", "--rm"] });
  });

  test("unknown flags are errors, with the flag named", () => {
    expect(() => split("--nope", "img")).toThrow(ArgvError);
    expect(() => split("--nope", "img")).toThrow("unknown flag: --nope");
    expect(() => split("--nope=1", "img")).toThrow("unknown flag: --nope");
    expect(() => split("-x", "img")).toThrow(ArgvError);
    expect(() => split("-ix", "img")).toThrow(ArgvError); // one unknown letter in a bundle
    expect(() => split("-ti5", "img")).toThrow(ArgvError);
  });

  test("a missing value is an error", () => {
    expect(() => split("--name")).toThrow(ArgvError);
    expect(() => split("-e")).toThrow("flag needs an argument: -e");
    expect(() => split("img", "-e")).not.toThrow(); // after the image it is the command's
  });
});
