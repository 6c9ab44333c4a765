// How an init (the container's, or an exec's) reports that it could not run the command: one JSON
// InitFailure on its close-on-exec error pipe (runtime/protocol.ts), then exit with the code Docker uses.
import { writeSync } from "node:fs";
import { EXIT } from "../errors.ts";
import { INIT_ERROR_FD, type InitFailure } from "../runtime/protocol.ts";
import { ExecError } from "./exec.ts";

// runtime area: once the init has closed its error pipe (parked for `start`), fd 3 may become a preserved
// fd of the caller's (--preserve-fds): a late failure then goes to stderr only.
let errorPipeOpen = true;
export function markErrorPipeClosed(): void {
  errorPipeOpen = false;
}

export function reportFailure(error: unknown, what = "init"): never {
  const failure: InitFailure = {
    exitCode: error instanceof ExecError ? error.exitCode : EXIT.ENGINE,
    message: error instanceof Error ? error.message : String(error),
  };
  try {
    if (!errorPipeOpen) throw new Error("error pipe closed");
    writeSync(INIT_ERROR_FD, JSON.stringify(failure));
  } catch {
    process.stderr.write(`minibox ${what}: ${failure.message}\n`);
  }
  process.exit(failure.exitCode);
}
