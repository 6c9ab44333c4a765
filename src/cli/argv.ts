// Docker's command lines put the container's command after the image, and that command has flags of its
// own (`run busybox sh -c 'echo'`), and some options repeat (`-e A -e B`). citty's parser knows neither, so
// commands that need it split their argv here: options up to the first positional, the rest verbatim.
import type { ArgsDef } from "citty";

export interface SplitArgs {
  values: Record<string, string | boolean | string[]>;
  positionals: string[];
}

export class ArgvError extends Error {}

/**
 * Parses options until `stopAfter` positionals were seen; everything after is positional, untouched.
 * Options whose names are in `repeatable` collect into arrays.
 */
export function splitArgv(raw: readonly string[], def: ArgsDef, stopAfter: number, repeatable: readonly string[] = []): SplitArgs {
  const byFlag = new Map<string, { name: string; boolean: boolean }>();
  for (const [name, d] of Object.entries(def)) {
    if (d.type === "positional") continue;
    const entry = { name, boolean: d.type === "boolean" };
    byFlag.set(`--${name}`, entry);
    const alias = "alias" in d ? d.alias : undefined;
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    for (const a of aliases) byFlag.set(a.length === 1 ? `-${a}` : `--${a}`, entry);
  }
  const values: SplitArgs["values"] = {};
  const set = (name: string, v: string | boolean) => {
    if (repeatable.includes(name)) ((values[name] ??= []) as string[]).push(String(v));
    else values[name] = v;
  };
  const positionals: string[] = [];
  let i = 0;
  for (; i < raw.length && positionals.length < stopAfter; i++) {
    const arg = raw[i]!;
    if (arg === "--") { i++; break; }
    if (!arg.startsWith("-") || arg === "-") { positionals.push(arg); continue; }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const known = byFlag.get(flag);
    if (known) {
      if (known.boolean) {
        set(known.name, eq > 0 ? arg.slice(eq + 1) !== "false" : true);
      } else if (eq > 0) {
        set(known.name, arg.slice(eq + 1));
      } else {
        if (i + 1 >= raw.length) throw new ArgvError(`flag needs an argument: ${flag}`);
        set(known.name, raw[++i]!);
      }
      continue;
    }
    // Bundled short booleans, as in `-it` or `-dit`.
    if (/^-[a-zA-Z]{2,}$/.test(arg)) {
      const letters = [...arg.slice(1)].map((l) => byFlag.get(`-${l}`));
      if (letters.every((l) => l?.boolean)) { letters.forEach((l) => set(l!.name, true)); continue; }
    }
    // `-eFOO=bar` (or `-e=FOO=bar`, as pflag reads it): a short option with its value attached.
    if (/^-[a-zA-Z]./s.test(arg)) {
      const head = byFlag.get(arg.slice(0, 2));
      if (head && !head.boolean) { set(head.name, arg.slice(arg[2] === "=" ? 3 : 2)); continue; }
    }
    throw new ArgvError(`unknown flag: ${flag}`);
  }
  positionals.push(...raw.slice(i));
  return { values, positionals };
}
