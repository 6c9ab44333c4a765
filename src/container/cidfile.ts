// compat-run: `--cidfile FILE`, as Docker's CLI does it: refused when the file exists (another container may
// own it), created empty before the container, given the full id once the container exists, and removed
// again when the create fails. The path is the user's own host path, never the container's.
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { UserError } from "../errors.ts";
import { fsPath } from "../oci/bytes-string.ts";

export class CidFile {
  private written = false;
  private constructor(readonly path: string, private fd: number | undefined) {}

  /** Creates the file exclusively (O_EXCL: an existing one is never truncated, even in a race). */
  static create(path: string): CidFile {
    if (path.includes("\0")) throw new UserError(`open ${JSON.stringify(path)}: invalid argument`);
    try {
      return new CidFile(path, openSync(fsPath(path), "wx", 0o644));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST") throw new UserError(`container ID file found, make sure the other container isn't running or delete ${path}`);
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EACCES" || code === "EISDIR") {
        throw new UserError(`failed to create the container ID file: open ${path}: ${(e as Error).message.replace(/^[A-Z]+: /, "").replace(/, open .*$/, "")}`);
      }
      throw e;
    }
  }

  write(id: string): void {
    writeSync(this.fd!, id);
    closeSync(this.fd!);
    this.fd = undefined;
    this.written = true;
  }

  /** After a failed create: the file we made goes (one already holding an id stays). */
  abandon(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (!this.written) rmSync(fsPath(this.path), { force: true });
  }
}
