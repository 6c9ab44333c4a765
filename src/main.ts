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
