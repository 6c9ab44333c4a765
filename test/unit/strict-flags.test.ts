// Unknown flags on citty-parsed commands: refused before the command runs; known ones, their values,
// negations, bundles and positionals that look like flags pass.
import { expect, test } from "bun:test";
import { assertKnownFlags } from "../../src/cli/strict-flags.ts";
import { ArgvError } from "../../src/cli/argv.ts";

const def = {
  force: { type: "boolean", alias: "f" },
  quiet: { type: "boolean", alias: "q" },
  output: { type: "string", alias: "o" },
  trunc: { type: "boolean", default: true },
  image: { type: "positional" },
} as const;

test("known flags, values, negations, bundles, '-', '--' and negative numbers pass", () => {
  for (const argv of [[], ["-f", "x"], ["--force", "--quiet"], ["-fq", "x"], ["-o", "--weird-file-name"], ["--output=x"], ["-ofile"], ["--no-trunc"], ["-", "x"], ["x", "--", "--anything"], ["-1"], ["--help"]]) {
    expect(() => assertKnownFlags(argv, def)).not.toThrow();
  }
});

test("unknown flags are refused with Docker's message", () => {
  for (const [argv, flag] of [[["--format", "json"], "--format"], [["-z"], "-z"], [["-fz"], "-fz"], [["x", "--bogus=1"], "--bogus"], [["--no-force-x"], "--no-force-x"]] as const) {
    expect(() => assertKnownFlags(argv, def)).toThrow(new ArgvError(`unknown flag: ${flag}`));
  }
});
