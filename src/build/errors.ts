// Errors of `minibox build`. A failed build exits 1, as `docker build` does (not 125).
import { UserError } from "../errors.ts";

export const BUILD_FAILED = 1;

/** A Dockerfile the parser rejects: one line naming the file and line, in Docker's words. */
export class DockerfileParseError extends UserError {
  constructor(readonly line: number, readonly detail: string, readonly file = "Dockerfile") {
    super(line > 0 ? `${file}:${line}: dockerfile parse error on line ${line}: ${detail}` : `${file}: dockerfile parse error: ${detail}`, BUILD_FAILED);
    this.name = "DockerfileParseError";
  }
}

/** A build that failed after parsing (missing context file, failing RUN, unknown stage): exit 1. */
export class BuildError extends UserError {
  constructor(message: string) {
    super(message, BUILD_FAILED);
    this.name = "BuildError";
  }
}
