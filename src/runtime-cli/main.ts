// runc's command line: `minibox runtime <command>`, `minibox --root DIR … <command>` (how containerd calls
// its runtime binary) and the binary invoked as `runc`/`minibox-runc`. Every error is one line on stderr
// (and a record in --log, in --log-format), exit code 1, as runc.
import { appendFileSync, writeSync } from "node:fs";
import { boolFlag, flag, listFlag, parseArgs, requireId, type FlagSpec } from "./args.ts";
import { RuntimeError } from "./errors.ts";
import { DEFAULT_ROOT, RuntimeStore } from "./store.ts";
import type { RuntimeContext } from "./context.ts";

const GLOBAL_FLAGS: FlagSpec[] = [
  { names: ["root"], kind: "string" },
  { names: ["log"], kind: "string" },
  { names: ["log-format"], kind: "string" },
  { names: ["debug"], kind: "bool" },
  { names: ["systemd-cgroup"], kind: "bool" },
  { names: ["rootless"], kind: "string" },
  { names: ["criu"], kind: "string" },
  { names: ["help", "h"], kind: "bool" },
  { names: ["version", "v"], kind: "bool" },
];

/** Does this argv start with one of runc's global flags (so it is meant for the runtime)? */
export function isRuntimeGlobalFlag(arg: string | undefined): boolean {
  if (arg === undefined || !arg.startsWith("-")) return false;
  const name = arg.replace(/^--?/, "").split("=")[0]!;
  return ["root", "log", "log-format", "debug", "systemd-cgroup", "rootless", "criu"].includes(name);
}

const USAGE = `usage: minibox runtime [global options] command [options] [arguments]

An OCI runtime with runc's command line.

commands: create start state kill delete run list ps exec pause resume update events spec features
global options: --root DIR (default ${DEFAULT_ROOT}) --log FILE --log-format text|json --debug --systemd-cgroup --rootless false
`;

export async function runtimeMain(argv: readonly string[]): Promise<number> {
  let logFile: string | undefined;
  let json = false;
  const log = (level: "debug" | "warning" | "error", message: string) => {
    if (!logFile) return;
    const time = new Date().toISOString();
    const line = json ? JSON.stringify({ level, msg: message, time }) : `time="${time}" level=${level} msg=${JSON.stringify(message)}`;
    try {
      appendFileSync(logFile, line + "\n");
    } catch {
      // an unwritable log must not hide the error itself, which also goes to stderr
    }
  };
  try {
    const globals = parseArgs(argv, GLOBAL_FLAGS, true);
    logFile = flag(globals, "log");
    const format = flag(globals, "log-format") ?? "text";
    if (format !== "text" && format !== "json") throw new RuntimeError(`invalid log-format: ${format}`);
    json = format === "json";
    if (boolFlag(globals, "version")) return out("minibox-runtime version 0.1.0\nspec: 1.2.0\n");
    const [command, ...rest] = globals.positional;
    if (boolFlag(globals, "help") || !command || command === "help") return out(USAGE, command ? 0 : 1);
    const rootless = flag(globals, "rootless") ?? "false";
    if (rootless === "true") throw new RuntimeError("rootless containers are not supported by minibox (--rootless true)");
    if (rootless !== "false" && rootless !== "auto") throw new RuntimeError(`invalid --rootless value "${rootless}"`);
    if (rootless === "auto" && process.getuid?.() !== 0) throw new RuntimeError("rootless containers are not supported by minibox");
    const ctx: RuntimeContext = {
      store: new RuntimeStore(flag(globals, "root") ?? DEFAULT_ROOT),
      systemdCgroup: boolFlag(globals, "systemd-cgroup"),
      debug: boolFlag(globals, "debug"),
      log,
    };
    return await dispatch(ctx, command, rest);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log("error", message);
    process.stderr.write(`minibox-runtime: ${message}\n`);
    return error instanceof RuntimeError ? error.exitCode : 1;
  }
}

function out(text: string, code = 0): number {
  process.stdout.write(text);
  return code;
}

const CREATE_FLAGS: FlagSpec[] = [
  { names: ["bundle", "b"], kind: "string" },
  { names: ["console-socket"], kind: "string" },
  { names: ["pid-file"], kind: "string" },
  { names: ["no-pivot"], kind: "bool" },
  { names: ["no-new-keyring"], kind: "bool" },
  { names: ["preserve-fds"], kind: "string" },
];

async function dispatch(ctx: RuntimeContext, command: string, argv: readonly string[]): Promise<number> {
  switch (command) {
    case "create":
    case "run": {
      const extra: FlagSpec[] = command === "run" ? [{ names: ["detach", "d"], kind: "bool" }, { names: ["keep"], kind: "bool" }] : [];
      const p = parseArgs(argv, [...CREATE_FLAGS, ...extra]);
      const id = requireId(p, command);
      if (boolFlag(p, "no-pivot")) throw new RuntimeError("--no-pivot is not supported by minibox (pivot_root is always used)");
      const { parsePreserveFds } = await import("./preserve-fds.ts");
      const opts = {
        id, bundle: flag(p, "bundle") ?? ".", pidFile: flag(p, "pid-file"), consoleSocket: flag(p, "console-socket"), noNewKeyring: boolFlag(p, "no-new-keyring"),
        preserveFds: parsePreserveFds(flag(p, "preserve-fds")),
      };
      if (command === "run") {
        const { runContainer } = await import("./run.ts");
        return await runContainer(ctx, opts, boolFlag(p, "detach"), boolFlag(p, "keep"));
      }
      const { createContainer } = await import("./create.ts");
      const { proc } = await createContainer(ctx, opts);
      proc.unref(); // the init is the caller's now (re-parented to its subreaper when we exit)
      return 0;
    }
    case "start": {
      const { startContainer } = await import("./lifecycle.ts");
      await startContainer(ctx, requireId(parseArgs(argv, []), command));
      return 0;
    }
    case "state": {
      const { stateOf } = await import("./query.ts");
      return out(stateOf(ctx, requireId(parseArgs(argv, []), command)));
    }
    case "kill": {
      const p = parseArgs(argv, [{ names: ["all", "a"], kind: "bool" }]);
      const id = requireId(p, command, 1);
      const { killContainer } = await import("./lifecycle.ts");
      await killContainer(ctx, id, p.positional[1], boolFlag(p, "all"));
      return 0;
    }
    case "delete": {
      const p = parseArgs(argv, [{ names: ["force", "f"], kind: "bool" }]);
      const { deleteContainer } = await import("./lifecycle.ts");
      await deleteContainer(ctx, requireId(p, command), boolFlag(p, "force"));
      return 0;
    }
    case "list": {
      const p = parseArgs(argv, [{ names: ["quiet", "q"], kind: "bool" }, { names: ["format", "f"], kind: "string" }]);
      const { listContainers } = await import("./query.ts");
      return out(listContainers(ctx, boolFlag(p, "quiet"), flag(p, "format") ?? "table"));
    }
    case "ps": {
      const p = parseArgs(argv, [{ names: ["format", "f"], kind: "string" }]);
      const { psOf } = await import("./query.ts");
      return out(psOf(ctx, requireId(p, command, 64), flag(p, "format") ?? "table"));
    }
    case "pause":
    case "resume": {
      const id = requireId(parseArgs(argv, []), command);
      const { pauseContainer, resumeContainer } = await import("./freeze.ts");
      (command === "pause" ? pauseContainer : resumeContainer)(ctx, id);
      return 0;
    }
    case "exec": {
      const p = parseArgs(argv, [
        { names: ["process", "p"], kind: "string" }, { names: ["cwd"], kind: "string" }, { names: ["env", "e"], kind: "list" },
        { names: ["tty", "t"], kind: "bool" }, { names: ["user", "u"], kind: "string" }, { names: ["cap", "c"], kind: "list" },
        { names: ["no-new-privs"], kind: "bool" }, { names: ["detach", "d"], kind: "bool" }, { names: ["pid-file"], kind: "string" },
        { names: ["console-socket"], kind: "string" }, { names: ["preserve-fds"], kind: "string" }, { names: ["additional-gids", "g"], kind: "list" },
        { names: ["process-label"], kind: "string" }, { names: ["apparmor"], kind: "string" }, { names: ["ignore-paused"], kind: "bool" },
      ], true);
      const { parsePreserveFds } = await import("./preserve-fds.ts");
      const preserveFds = parsePreserveFds(flag(p, "preserve-fds"));
      for (const f of ["process-label", "apparmor"]) if (flag(p, f)) throw new RuntimeError(`--${f} is not supported on this host by minibox`);
      const [id, ...args] = p.positional;
      if (!id) throw new RuntimeError(`"exec" requires a container id`);
      const { execInRuntimeContainer } = await import("./exec.ts");
      return await execInRuntimeContainer(ctx, {
        id, args, processFile: flag(p, "process"), cwd: flag(p, "cwd"), env: listFlag(p, "env"), tty: boolFlag(p, "tty"), user: flag(p, "user"),
        caps: listFlag(p, "cap"), additionalGids: listFlag(p, "additional-gids").flatMap((g) => g.split(",")), noNewPrivs: boolFlag(p, "no-new-privs"), detach: boolFlag(p, "detach"), pidFile: flag(p, "pid-file"),
        consoleSocket: flag(p, "console-socket"), preserveFds,
      });
    }
    case "update": {
      const names = ["memory", "memory-reservation", "memory-swap", "cpu-share", "cpu-quota", "cpu-period", "cpuset-cpus", "cpuset-mems", "pids-limit", "blkio-weight"];
      const p = parseArgs(argv, [{ names: ["resources", "r"], kind: "string" }, ...names.map((n) => ({ names: [n], kind: "string" as const }))]);
      const { updateContainer } = await import("./update.ts");
      const warnings = updateContainer(ctx, requireId(p, command), {
        resourcesFile: flag(p, "resources"), memory: flag(p, "memory"), memoryReservation: flag(p, "memory-reservation"), memorySwap: flag(p, "memory-swap"),
        cpuShares: flag(p, "cpu-share"), cpuQuota: flag(p, "cpu-quota"), cpuPeriod: flag(p, "cpu-period"), cpusetCpus: flag(p, "cpuset-cpus"),
        cpusetMems: flag(p, "cpuset-mems"), pidsLimit: flag(p, "pids-limit"), blkioWeight: flag(p, "blkio-weight"),
      });
      for (const w of warnings) ctx.log("warning", w);
      return 0;
    }
    case "events": {
      const p = parseArgs(argv, [{ names: ["stats"], kind: "bool" }, { names: ["interval"], kind: "string" }]);
      const { streamEvents, parseInterval } = await import("./events.ts");
      const interval = parseInterval(flag(p, "interval") ?? "5s");
      // Written synchronously: between events we block in poll(2), and a buffered write would wait with us.
      await streamEvents(ctx, requireId(p, command), boolFlag(p, "stats"), interval, (line) => { writeSync(1, line); });
      return 0;
    }
    case "spec": {
      const p = parseArgs(argv, [{ names: ["bundle", "b"], kind: "string" }, { names: ["rootless"], kind: "bool" }]);
      const { writeSpec } = await import("./spec.ts");
      writeSpec(flag(p, "bundle") ?? ".", boolFlag(p, "rootless"));
      return 0;
    }
    case "features": {
      const { featuresJson } = await import("./features.ts");
      return out(featuresJson());
    }
    default:
      throw new RuntimeError(`No help topic for '${command}'`);
  }
}
