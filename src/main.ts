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
  void import("./cli/main.ts").then(async ({ cliMain }) => {
    trace("cli code loaded");
    process.exitCode = await cliMain(argv);
    trace("cli done");
  });
}
