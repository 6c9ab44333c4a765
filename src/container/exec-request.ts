// What an exec'd process gets, from the container's config.json and the exec flags, as Docker does it:
// the container's environment with -e on top, its user unless -u, its cwd unless -w, its capabilities,
// rlimits and no_new_privs. Pure, so it is unit-tested.
import type { Process, Spec } from "../oci/spec.ts";
import { ANNOTATION } from "../oci/spec.ts";
import type { ExecRequest } from "../runtime/exec-protocol.ts";
import { UserError } from "../errors.ts";
import { hostCapabilities, readHostConfig } from "../oci/hardening.ts";
import { tweakCapabilities } from "../oci/capabilities.ts";

export interface ExecOptions {
  container: string;
  command: string[];
  interactive: boolean;
  tty: boolean;
  detach: boolean;
  /** KEY=VALUE entries, already resolved (a bare KEY taken from the host's environment or dropped). */
  env: string[];
  workdir?: string;
  user?: string;
  // hardening-flags: Docker's exec --privileged; --cap-add/--cap-drop (normalized) are minibox's own.
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
}

/** Later entries win, and the position of the first one is kept (as Docker's ReplaceOrAppendEnvValues). */
export function mergeEnv(base: readonly string[], overrides: readonly string[]): string[] {
  const out = [...base];
  const index = new Map(out.map((e, i) => [keyOf(e), i]));
  for (const e of overrides) {
    const i = index.get(keyOf(e));
    if (i === undefined) { index.set(keyOf(e), out.length); out.push(e); } else out[i] = e;
  }
  return out;
}

function keyOf(entry: string): string {
  const eq = entry.indexOf("=");
  return eq < 0 ? entry : entry.slice(0, eq);
}

export function buildExecRequest(spec: Spec, opts: ExecOptions): ExecRequest {
  if (opts.command.length === 0) throw new UserError("exec requires at least 2 arguments: exec [OPTIONS] CONTAINER COMMAND [ARG...]");
  if (opts.workdir !== undefined && !opts.workdir.startsWith("/")) {
    throw new UserError(`the working directory '${opts.workdir}' is invalid, it needs to be an absolute path`);
  }
  const env = mergeEnv(spec.process.env, opts.env);
  // Docker sets TERM for a terminal unless the container or -e already did.
  if (opts.tty && !env.some((e) => e.startsWith("TERM="))) env.push("TERM=xterm");
  const p = spec.process;
  const groupAdd = readHostConfig(spec).GroupAdd ?? [];
  return {
    process: {
      args: opts.command,
      env,
      cwd: opts.workdir ?? p.cwd,
      terminal: opts.tty,
      capabilities: execCapabilities(p.capabilities, opts),
      rlimits: p.rlimits,
      noNewPrivileges: p.noNewPrivileges,
    },
    user: opts.user ?? spec.annotations?.[ANNOTATION.user] ?? "",
    ...(groupAdd.length > 0 ? { groupAdd } : {}),
    ...(spec.linux.seccomp ? { seccomp: spec.linux.seccomp } : {}),
  };
}

/** The container's capabilities, or (with exec's flags) those tweaked as at create; seccomp stays either way. */
function execCapabilities(caps: Process["capabilities"], opts: ExecOptions): Process["capabilities"] {
  if (!opts.privileged && !opts.capAdd?.length && !opts.capDrop?.length) return caps;
  const list = tweakCapabilities(caps?.bounding ?? [], opts.capAdd ?? [], opts.capDrop ?? [], opts.privileged === true, hostCapabilities());
  return { bounding: list, effective: [...list], permitted: [...list], inheritable: [], ambient: [] };
}
