// Finds the command inside the container and execve()s it, turning failures into Docker's exit codes.
import { accessSync, constants, statSync } from "node:fs";
import { execve } from "../sys/proc.ts";
import { resetSignalsForExec } from "../sys/signals.ts";
import { SyscallError } from "../sys/errno.ts";
import { DEFAULT_PATH } from "../oci/defaults.ts";
import { EXIT } from "../errors.ts";
import { fsPath } from "../oci/bytes-string.ts";

export class ExecError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

export function lookPath(file: string, env: readonly string[]): string {
  if (file.includes("/")) return file;
  const pathVar = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  for (const dir of pathVar.split(":")) {
    const candidate = `${dir || "."}/${file}`;
    try {
      // fsPath: a name or PATH entry may hold bytes that are not UTF-8 (oci/bytes-string.ts).
      if (!statSync(fsPath(candidate)).isFile()) continue;
      accessSync(fsPath(candidate), constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  throw new ExecError(`exec: "${file}": executable file not found in $PATH`, EXIT.NOT_FOUND);
}

export function execCommand(args: readonly string[], env: readonly string[]): never {
  const path = lookPath(args[0]!, env);
  // Ignored signals and the blocked mask survive execve; Bun ignores SIGPIPE and SIGXFSZ.
  resetSignalsForExec();
  try {
    return execve(path, args, env);
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e;
    switch (e.code) {
      case "ENOENT": throw new ExecError(`exec: "${path}": no such file or directory`, EXIT.NOT_FOUND);
      case "EACCES": throw new ExecError(`exec: "${path}": permission denied`, EXIT.CANNOT_EXECUTE);
      case "EISDIR": throw new ExecError(`exec: "${path}": is a directory`, EXIT.CANNOT_EXECUTE);
      case "ENOEXEC": throw new ExecError(`exec: "${path}": exec format error`, EXIT.CANNOT_EXECUTE);
      default: throw new ExecError(`exec: "${path}": ${e.message}`, EXIT.CANNOT_EXECUTE);
    }
  }
}
