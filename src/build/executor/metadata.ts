// The instructions that only change the image config (ENV, LABEL, EXPOSE, VOLUME, USER, WORKDIR,
// STOPSIGNAL, HEALTHCHECK, SHELL, CMD, ENTRYPOINT, ONBUILD, MAINTAINER), applied to a copy of it.
import { posix } from "node:path";
import type { OciImageConfig, OciImageRuntimeConfig } from "../../oci/image-config.ts";
import type { Command, Instruction } from "../dockerfile/ast.ts";
import { expandWord, expandWords, type Lookup } from "../dockerfile/expand.ts";
import { BuildError } from "../errors.ts";

export const DEFAULT_SHELL = ["/bin/sh", "-c"];

export function shellOf(config: OciImageRuntimeConfig): string[] {
  const shell = config.Shell;
  return Array.isArray(shell) && shell.length && shell.every((s) => typeof s === "string") ? (shell as string[]) : DEFAULT_SHELL;
}

export function commandArgs(command: Command, shell: string[]): string[] {
  return command.form === "exec" ? command.args : [...shell, command.text];
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds. */
export function parseDuration(text: string, flag: string): number {
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/gy;
  if (text === "0") return 0;
  let total = 0;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    at = re.lastIndex;
  }
  if (at !== text.length || text === "") throw new BuildError(`--${flag}: time: invalid duration "${text}"`);
  return Math.round(total);
}

const PORT = /^([0-9]+)(?:-([0-9]+))?(?:\/(tcp|udp|sctp))?$/i;

function exposedPorts(words: string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const m = PORT.exec(w);
    if (!m) throw new BuildError(`invalid containerPort: ${w}`);
    const start = Number(m[1]);
    const end = m[2] !== undefined ? Number(m[2]) : start;
    if (start > 65535 || end > 65535 || end < start) throw new BuildError(`invalid port range: ${w}`);
    for (let p = start; p <= end; p++) out.push(`${p}/${(m[3] ?? "tcp").toLowerCase()}`);
  }
  return out;
}

function setEnv(env: string[], key: string, value: string): string[] {
  const out = env.filter((e) => !(e === key || e.startsWith(`${key}=`)));
  out.push(`${key}=${value}`);
  return out;
}

/** Applies a metadata instruction; returns the history text. `state.cmdSet` tracks Docker's ENTRYPOINT/CMD rule. */
export function applyMetadata(image: OciImageConfig, ins: Instruction, lookup: Lookup, escape: string, state: { cmdSet: boolean }): string {
  const c: OciImageRuntimeConfig = (image.config ??= {});
  const w = (s: string) => expandWord(s, lookup, escape);
  switch (ins.kind) {
    case "ENV": {
      const pairs = ins.pairs.map((p) => [w(p.key), w(p.value)] as const);
      let env = c.Env ?? [];
      for (const [k, v] of pairs) {
        if (k === "") throw new BuildError("ENV names can not be blank");
        env = setEnv(env, k, v);
      }
      c.Env = env;
      return `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(" ")}`;
    }
    case "LABEL": {
      const pairs = ins.pairs.map((p) => [w(p.key), w(p.value)] as const);
      c.Labels = { ...(c.Labels ?? {}) };
      for (const [k, v] of pairs) c.Labels[k] = v;
      return `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(" ")}`;
    }
    case "EXPOSE": {
      const ports = exposedPorts(ins.words.flatMap((x) => expandWords(x, lookup, escape)));
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
      for (const p of ports) c.ExposedPorts[p] = {};
      return `EXPOSE ${ports.join(" ")}`;
    }
    case "VOLUME": {
      const paths = ins.json ? ins.words.map(w) : ins.words.flatMap((x) => expandWords(x, lookup, escape));
      c.Volumes = { ...(c.Volumes ?? {}) };
      for (const p of paths) {
        if (p.trim() === "") throw new BuildError("VOLUME specified can not be an empty string");
        c.Volumes[p] = {};
      }
      return `VOLUME [${paths.join(" ")}]`;
    }
    case "USER": c.User = w(ins.value); return `USER ${c.User}`;
    case "WORKDIR": {
      const dir = w(ins.value);
      c.WorkingDir = posix.resolve(c.WorkingDir || "/", dir);
      return `WORKDIR ${c.WorkingDir}`;
    }
    case "STOPSIGNAL": c.StopSignal = w(ins.value); return `STOPSIGNAL ${c.StopSignal}`;
    case "MAINTAINER": image.author = ins.value; return `MAINTAINER ${ins.value}`;
    case "SHELL": c.Shell = ins.shell; return `SHELL ${JSON.stringify(ins.shell)}`;
    case "CMD": {
      c.Cmd = commandArgs(ins.command, shellOf(c));
      state.cmdSet = true;
      return `CMD ${JSON.stringify(c.Cmd)}`;
    }
    case "ENTRYPOINT": {
      c.Entrypoint = commandArgs(ins.command, shellOf(c));
      if (!state.cmdSet) c.Cmd = null; // an inherited CMD does not go with a new ENTRYPOINT
      return `ENTRYPOINT ${JSON.stringify(c.Entrypoint)}`;
    }
    case "HEALTHCHECK": {
      if (!ins.test) { c.Healthcheck = { Test: ["NONE"] }; return "HEALTHCHECK NONE"; }
      const test = ins.test.form === "exec" ? ["CMD", ...ins.test.args] : ["CMD-SHELL", ins.test.text];
      const hc: Record<string, unknown> = { Test: test };
      if (ins.interval !== undefined) hc.Interval = parseDuration(ins.interval, "interval");
      if (ins.timeout !== undefined) hc.Timeout = parseDuration(ins.timeout, "timeout");
      if (ins.startPeriod !== undefined) hc.StartPeriod = parseDuration(ins.startPeriod, "start-period");
      if (ins.startInterval !== undefined) hc.StartInterval = parseDuration(ins.startInterval, "start-interval");
      if (ins.retries !== undefined) hc.Retries = Number(ins.retries);
      c.Healthcheck = hc;
      return `HEALTHCHECK ${JSON.stringify(hc)}`;
    }
    case "ONBUILD": {
      const trigger = ins.trigger.replace(/^\s*(\S+)/, (k) => k.toUpperCase());
      c.OnBuild = [...((c.OnBuild as string[] | null | undefined) ?? []), trigger];
      return `ONBUILD ${trigger}`;
    }
    default:
      throw new BuildError(`internal: ${ins.kind} is not a metadata instruction`);
  }
}
