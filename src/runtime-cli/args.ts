// runc's flag syntax (urfave/cli over Go's flag package): `-x`, `--x`, `--x=v`, `--x v`; flags may
// follow positional arguments; `--` ends flags. Only the flags a command declares are accepted.
import { RuntimeError } from "./errors.ts";

export interface FlagSpec {
  /** Long name and aliases, without dashes. */
  names: string[];
  /** "bool" takes no value; "string" one; "list" may repeat. */
  kind: "bool" | "string" | "list";
}

export interface Parsed {
  flags: Map<string, string[]>;
  positional: string[];
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], stopAtFirstPositional = false): Parsed {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) for (const n of s.names) byName.set(n, s);
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (stopAtFirstPositional) {
        positional.push(...argv.slice(i));
        break;
      }
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = byName.get(name);
    if (!spec) throw new RuntimeError(`flag provided but not defined: -${name}`);
    const key = spec.names[0]!;
    let value: string;
    if (spec.kind === "bool") {
      value = eq >= 0 ? body.slice(eq + 1) : "true";
      if (value !== "true" && value !== "false") throw new RuntimeError(`invalid boolean value "${value}" for -${name}`);
    } else if (eq >= 0) {
      value = body.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new RuntimeError(`flag needs an argument: -${name}`);
      value = argv[++i]!;
    }
    flags.set(key, spec.kind === "list" ? [...(flags.get(key) ?? []), value] : [value]);
  }
  return { flags, positional };
}

export function flag(p: Parsed, name: string): string | undefined {
  return p.flags.get(name)?.at(-1);
}

export function boolFlag(p: Parsed, name: string): boolean {
  return flag(p, name) === "true";
}

export function listFlag(p: Parsed, name: string): string[] {
  return p.flags.get(name) ?? [];
}

/** The container id: exactly one positional argument, as runc requires. */
export function requireId(p: Parsed, command: string, extra = 0): string {
  const id = p.positional[0];
  if (id === undefined || id === "") throw new RuntimeError(`"${command}" requires a container id`);
  if (p.positional.length > 1 + extra) throw new RuntimeError(`"${command}" takes at most ${1 + extra} argument(s), got ${p.positional.length}`);
  return id;
}
