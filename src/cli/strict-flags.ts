// citty ignores flags it does not know, so `images --format json` once ran as `images json`. Commands
// parsed by citty are wrapped here: their argv is checked first and an unknown flag is refused with
// Docker's message (exit 125, as docker/cli's flag errors). Commands that parse with splitArgv already do this.
import type { ArgsDef, CommandDef } from "citty";
import { ArgvError } from "./argv.ts";

export function assertKnownFlags(raw: readonly string[], def: ArgsDef): void {
  const known = new Map<string, boolean>(); // flag → takes a value
  for (const [name, d] of Object.entries(def)) {
    if (d.type === "positional") continue;
    const takesValue = d.type !== "boolean";
    known.set(`--${name}`, takesValue);
    if (!takesValue) known.set(`--no-${name}`, false);
    const alias = "alias" in d ? d.alias : undefined;
    for (const a of alias === undefined ? [] : Array.isArray(alias) ? alias : [alias]) known.set(a.length === 1 ? `-${a}` : `--${a}`, takesValue);
  }
  known.set("--help", false);
  known.set("-h", false);
  for (let i = 0; i < raw.length; i++) {
    const arg = raw[i]!;
    if (arg === "--") return;
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) continue;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = known.get(flag);
    if (value !== undefined) {
      if (value && eq < 0) i++;
      continue;
    }
    // Bundled short flags (-fq) or a short flag with its value attached (-ofile).
    if (/^-[a-zA-Z]/.test(arg) && !arg.startsWith("--")) {
      const first = known.get(arg.slice(0, 2));
      if (first === true) continue;
      if ([...arg.slice(1)].every((l) => known.get(`-${l}`) === false)) continue;
    }
    throw new ArgvError(`unknown flag: ${flag}`);
  }
}

/** The same command, refusing unknown flags before it runs. */
export function strictFlags(cmd: CommandDef): CommandDef {
  const run = cmd.run;
  const args = (cmd.args ?? {}) as ArgsDef;
  return { ...cmd, run: (ctx) => { assertKnownFlags(ctx.rawArgs, args); return run?.(ctx); } } as CommandDef;
}
