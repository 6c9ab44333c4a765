// `--change` / `-c` of commit and import: the Dockerfile instructions Docker accepts there, applied to an
// image's runtime config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR, STOPSIGNAL).
import type { OciImageRuntimeConfig } from "../oci/image-config.ts";
import { UserError } from "../errors.ts";

const ALLOWED = new Set(["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "USER", "VOLUME", "WORKDIR", "STOPSIGNAL"]);
const OTHER_INSTRUCTIONS = new Set(["ADD", "ARG", "COPY", "FROM", "HEALTHCHECK", "MAINTAINER", "RUN", "SHELL"]);

export class ChangeError extends UserError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** Applies each change in order to a copy of `config`. */
export function applyChanges(config: OciImageRuntimeConfig, changes: string[]): OciImageRuntimeConfig {
  const out: OciImageRuntimeConfig = { ...config };
  for (const change of changes) applyOne(out, change.trim());
  return out;
}

function applyOne(c: OciImageRuntimeConfig & { OnBuild?: string[] }, change: string): void {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(change);
  if (!match) throw new ChangeError(`dockerfile parse error on line 1: empty change`);
  const instruction = match[1]!.toUpperCase();
  const rest = match[2]!.trim();
  if (!ALLOWED.has(instruction)) {
    if (OTHER_INSTRUCTIONS.has(instruction)) throw new ChangeError(`${instruction} is not a valid change command`);
    throw new ChangeError(`dockerfile parse error on line 1: unknown instruction: ${match[1]}`);
  }
  if (rest === "") throw new ChangeError(`dockerfile parse error on line 1: ${instruction} requires at least one argument`);
  switch (instruction) {
    case "CMD": c.Cmd = commandForm(rest); return;
    case "ENTRYPOINT": c.Entrypoint = commandForm(rest); return;
    case "ENV": {
      const env = [...(c.Env ?? [])];
      for (const [k, v] of keyValues(instruction, rest)) {
        const i = env.findIndex((e) => e.split("=")[0] === k);
        if (i >= 0) env[i] = `${k}=${v}`; else env.push(`${k}=${v}`);
      }
      c.Env = env;
      return;
    }
    case "LABEL": c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(keyValues(instruction, rest)) }; return;
    case "EXPOSE": {
      const ports = { ...(c.ExposedPorts ?? {}) };
      for (const p of rest.split(/\s+/)) {
        if (!/^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/i.test(p)) throw new ChangeError(`invalid containerPort: ${p}`);
        ports[p.includes("/") ? p.toLowerCase() : `${p}/tcp`] = {};
      }
      c.ExposedPorts = ports;
      return;
    }
    case "VOLUME": {
      const vols = { ...(c.Volumes ?? {}) };
      for (const v of rest.startsWith("[") ? jsonArray(rest) : rest.split(/\s+/)) vols[v] = {};
      c.Volumes = vols;
      return;
    }
    case "ONBUILD": c.OnBuild = [...(c.OnBuild ?? []), rest]; return;
    case "USER": c.User = rest; return;
    case "WORKDIR": c.WorkingDir = rest.startsWith("/") ? rest : `${c.WorkingDir ?? "/"}/${rest}`.replace(/\/+/g, "/"); return;
    case "STOPSIGNAL": c.StopSignal = rest; return;
  }
}

/** Exec form (a JSON array) or shell form (run by /bin/sh -c), as in a Dockerfile. */
function commandForm(rest: string): string[] {
  if (rest.startsWith("[")) {
    try { return jsonArray(rest); } catch { /* not JSON: Docker falls back to the shell form */ }
  }
  return ["/bin/sh", "-c", rest];
}

function jsonArray(text: string): string[] {
  const v = JSON.parse(text) as unknown;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw new ChangeError(`not a JSON array of strings: ${text}`);
  return v;
}

/** `K=V K2="V 2"` pairs, or the legacy `K V` form with a single pair. */
function keyValues(instruction: string, rest: string): [string, string][] {
  if (!/^[^\s=]+=/.test(rest)) {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(rest);
    if (!m) throw new ChangeError(`dockerfile parse error on line 1: ${instruction} must have two arguments`);
    return [[m[1]!, m[2]!]];
  }
  const out: [string, string][] = [];
  const re = /([^\s=]+)=("((?:[^"\\]|\\.)*)"|'([^']*)'|(\S*))/g;
  let m: RegExpExecArray | null;
  let consumed = "";
  while ((m = re.exec(rest))) {
    out.push([m[1]!, m[3] !== undefined ? m[3].replace(/\\(.)/g, "$1") : m[4] ?? m[5] ?? ""]);
    consumed += m[0];
  }
  if (consumed.replace(/\s/g, "").length !== rest.replace(/\s/g, "").length) {
    throw new ChangeError(`dockerfile parse error on line 1: ${instruction}: syntax error in ${JSON.stringify(rest)}`);
  }
  return out;
}
