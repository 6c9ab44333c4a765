// Instruction flags (`--from=builder`, `--link`), parsed the way BuildKit's BFlags does: leading words
// starting with `--`, `--` alone ends them; each instruction declares the flags it knows.
export interface FlagSpec { [name: string]: "string" | "bool" | "strings" }

export class FlagError extends Error {}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** Splits leading flags from the arguments. */
export function extractFlags(rest: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let s = rest.replace(/^\s+/, "");
  for (;;) {
    const m = /^--\S*/.exec(s);
    if (!m) break;
    s = s.slice(m[0].length).replace(/^\s+/, "");
    if (m[0] === "--") break;
    flags.push(m[0]);
  }
  return { flags, rest: s };
}

export function parseFlags(flags: string[], spec: FlagSpec): FlagValues {
  const values: FlagValues = {};
  for (const flag of flags) {
    const body = flag.slice(2);
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const value = eq < 0 ? undefined : body.slice(eq + 1);
    const type = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (type === undefined) throw new FlagError(`unknown flag: ${name}`);
    if (type === "bool") {
      if (value !== undefined && value !== "true" && value !== "false") throw new FlagError(`expecting boolean value for flag ${name}, not: ${value}`);
      values[name] = value !== "false";
      continue;
    }
    if (value === undefined) throw new FlagError(`missing a value on flag: ${name}`);
    if (type === "strings") {
      values[name] = [...((values[name] as string[] | undefined) ?? []), value];
      continue;
    }
    if (values[name] !== undefined) throw new FlagError(`duplicate flag specified: ${name}`);
    values[name] = value;
  }
  return values;
}
