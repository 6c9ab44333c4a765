// Docker's seccomp profile format (moby/profiles/seccomp): the OCI `linux.seccomp` fields plus `archMap`
// and per-rule `includes`/`excludes` conditions (capabilities, architectures, minimum kernel) that are
// resolved when a container's spec is built (resolve.ts). parseDockerProfile() validates a user's JSON
// completely, so that a bad profile is one clear error before anything is created.
import { ACTIONS, ARCHITECTURES, FLAGS, OPERATORS } from "./names.ts";
import { UserError } from "../errors.ts";

export interface ProfileArg { index: number; value: number; valueTwo?: number; op: string }

export interface ProfileFilter { caps?: string[]; arches?: string[]; minKernel?: string }

export interface ProfileSyscall {
  names?: string[];
  /** Old single-name form. */
  name?: string;
  action: string;
  errnoRet?: number;
  args?: ProfileArg[] | null;
  comment?: string;
  includes?: ProfileFilter;
  excludes?: ProfileFilter;
}

export interface DockerProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] | null }[] | null;
  flags?: string[];
  syscalls?: ProfileSyscall[] | null;
}

/** A profile that is not valid JSON or not a valid profile: the user's to fix (exit 125, one line). */
export class SeccompProfileError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "SeccompProfileError";
  }
}

/** Parses and validates a profile; the error names the file and the first thing wrong with it. */
export function parseDockerProfile(text: string, source: string): DockerProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SeccompProfileError(`decoding seccomp profile ${source} failed: ${(e as Error).message}`);
  }
  try {
    return validateProfile(raw);
  } catch (e) {
    if (e instanceof SeccompProfileError) throw new SeccompProfileError(`seccomp profile ${source}: ${e.message}`);
    throw e;
  }
}

export function validateProfile(raw: unknown): DockerProfile {
  const p = object(raw, "the profile");
  const profile: DockerProfile = { defaultAction: oneOf(p.defaultAction, ACTIONS, "defaultAction") };
  if (p.defaultErrnoRet !== undefined) profile.defaultErrnoRet = errno(p.defaultErrnoRet, "defaultErrnoRet");
  if (p.architectures !== undefined && p.architectures !== null) {
    profile.architectures = list(p.architectures, "architectures").map((a, i) => oneOf(a, ARCHITECTURES, `architectures[${i}]`));
  }
  if (p.archMap !== undefined && p.archMap !== null) {
    profile.archMap = list(p.archMap, "archMap").map((m, i) => {
      const entry = object(m, `archMap[${i}]`);
      const sub = entry.subArchitectures;
      return {
        architecture: oneOf(entry.architecture, ARCHITECTURES, `archMap[${i}].architecture`),
        subArchitectures: sub === undefined || sub === null ? [] : list(sub, `archMap[${i}].subArchitectures`).map((a, j) =>
          oneOf(a, ARCHITECTURES, `archMap[${i}].subArchitectures[${j}]`)),
      };
    });
  }
  if (profile.architectures?.length && profile.archMap?.length) {
    throw new SeccompProfileError("both 'architectures' and 'archMap' are specified, use either 'architectures' or 'archMap'");
  }
  if (p.flags !== undefined && p.flags !== null) profile.flags = list(p.flags, "flags").map((f, i) => oneOf(f, FLAGS, `flags[${i}]`));
  if (p.syscalls !== undefined && p.syscalls !== null) profile.syscalls = list(p.syscalls, "syscalls").map(syscallRule);
  for (const key of ["listenerPath", "listenerMetadata"]) {
    if (p[key]) throw new SeccompProfileError(`${key} (SCMP_ACT_NOTIFY) is not supported`);
  }
  return profile;
}

function syscallRule(raw: unknown, i: number): ProfileSyscall {
  const where = `syscalls[${i}]`;
  const s = object(raw, where);
  const rule: ProfileSyscall = { action: oneOf(s.action, ACTIONS, `${where}.action`) };
  if (s.name !== undefined && s.name !== "") {
    if (Array.isArray(s.names) && s.names.length > 0) throw new SeccompProfileError(`${where}: both 'name' and 'names' are specified, use either 'name' or 'names'`);
    rule.names = [string(s.name, `${where}.name`)];
  } else {
    rule.names = list(s.names ?? [], `${where}.names`).map((n, j) => string(n, `${where}.names[${j}]`));
  }
  if (rule.names.length === 0) throw new SeccompProfileError(`${where}: no syscall names`);
  if (s.errnoRet !== undefined && s.errnoRet !== null) rule.errnoRet = errno(s.errnoRet, `${where}.errnoRet`);
  if (s.args !== undefined && s.args !== null) rule.args = list(s.args, `${where}.args`).map((a, j) => arg(a, `${where}.args[${j}]`));
  if (s.comment !== undefined) rule.comment = string(s.comment, `${where}.comment`);
  if (s.includes !== undefined && s.includes !== null) rule.includes = filter(s.includes, `${where}.includes`);
  if (s.excludes !== undefined && s.excludes !== null) rule.excludes = filter(s.excludes, `${where}.excludes`);
  return rule;
}

function arg(raw: unknown, where: string): ProfileArg {
  const a = object(raw, where);
  const out: ProfileArg = {
    index: integer(a.index, `${where}.index`, 5),
    value: u64(a.value, `${where}.value`),
    op: oneOf(a.op, OPERATORS, `${where}.op`),
  };
  if (a.valueTwo !== undefined && a.valueTwo !== null) out.valueTwo = u64(a.valueTwo, `${where}.valueTwo`);
  return out;
}

function filter(raw: unknown, where: string): ProfileFilter {
  const f = object(raw, where);
  const out: ProfileFilter = {};
  if (f.caps !== undefined && f.caps !== null) out.caps = list(f.caps, `${where}.caps`).map((c, i) => string(c, `${where}.caps[${i}]`));
  if (f.arches !== undefined && f.arches !== null) out.arches = list(f.arches, `${where}.arches`).map((c, i) => string(c, `${where}.arches[${i}]`));
  if (f.minKernel !== undefined && f.minKernel !== null && f.minKernel !== "") {
    const v = string(f.minKernel, `${where}.minKernel`);
    if (!/^\d+\.\d+$/.test(v) || v === "0.0") throw new SeccompProfileError(`${where}.minKernel: invalid kernel version "${v}", expected "<kernel>.<major>"`);
    out.minKernel = v;
  }
  return out;
}

function object(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new SeccompProfileError(`${where} must be an object`);
  return v as Record<string, unknown>;
}

function list(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new SeccompProfileError(`${where} must be an array`);
  return v;
}

function string(v: unknown, where: string): string {
  if (typeof v !== "string") throw new SeccompProfileError(`${where} must be a string`);
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string): T {
  if (v === "SCMP_ACT_NOTIFY") throw new SeccompProfileError(`${where}: SCMP_ACT_NOTIFY is not supported (minibox has no seccomp agent)`);
  if (typeof v !== "string" || !allowed.includes(v as T)) throw new SeccompProfileError(`${where}: unknown value ${JSON.stringify(v)}`);
  return v as T;
}

function integer(v: unknown, where: string, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) throw new SeccompProfileError(`${where} must be an integer from 0 to ${max}`);
  return v;
}

function errno(v: unknown, where: string): number {
  return integer(v, where, 4095);
}

/** JSON numbers are doubles: beyond 2^53 the value in the file is not the value we would compare with. */
function u64(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new SeccompProfileError(`${where} must be a non-negative integer`);
  if (v > Number.MAX_SAFE_INTEGER) throw new SeccompProfileError(`${where}: ${v} is beyond 2^53 and cannot be read exactly`);
  return v;
}
