// Entry point of the single binary. "init" is the container's first process (a re-exec through
// /proc/self/exe); it must not load the CLI, so it branches before anything else is imported.
import { trace } from "./trace.ts";

trace("process started");
const argv = process.argv.slice(2);

if (argv[0] === "init") {
  void import("./init/main.ts").then(({ initMain }) => {
    trace("init code loaded");
    initMain(argv.slice(1));
  });
} else if (argv[0] === "exec-init") {
  void import("./init/exec-main.ts").then(({ execInitMain }) => execInitMain(argv.slice(1)));
} else if (runtimeArgv(argv) !== undefined) {
  // runtime area: runc's command line (see src/runtime-cli/main.ts)
  void import("./runtime-cli/main.ts").then(async ({ runtimeMain }) => {
    process.exitCode = await runtimeMain(runtimeArgv(argv)!);
  });
} else if (argv[0] === "monitor") {
  void import("./monitor/server.ts").then(({ monitorMain }) => monitorMain());
} else {
  void Promise.all([import("./cli/main.ts"), import("./cli/host-bytes.ts")]).then(async ([{ cliMain }, { hostArgv }]) => {
    trace("cli code loaded");
    // The arguments as bytes: process.argv has replaced any byte that is not UTF-8 with U+FFFD.
    process.exitCode = await cliMain(hostArgv(argv));
    trace("cli done");
  });
}

// runtime area: `minibox runtime …`, runc's global flags first (as containerd calls its runtime), or this
// binary invoked as runc/minibox-runc through a symlink. In a compiled Bun binary process.argv[0] is "bun";
// the name we were invoked by is the first entry of /proc/self/cmdline.
function runtimeArgv(args: string[]): string[] | undefined {
  if (args[0] === "runtime") return args.slice(1);
  const first = args[0] ?? "";
  // compat-cli: under the name docker, `--debug`/`--log-level` are Docker's global flags, not runc's.
  if (/^--?(root|log|log-format|debug|systemd-cgroup|rootless|criu)(=|$)/.test(first)) return /(^|\/)docker$/.test(invokedName()) ? undefined : args;
  if (/(^|\/)(runc|minibox-runc)$/.test(invokedName())) return args;
  return undefined;
}

function invokedName(): string {
  try {
    const cmdline = require("node:fs").readFileSync("/proc/self/cmdline", "latin1") as string;
    return cmdline.slice(0, cmdline.indexOf("\0"));
  } catch {
    return process.argv0;
  }
}
