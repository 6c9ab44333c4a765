// Where an `-o FILE` may be written. The archive is built in a temp file and renamed over FILE, which is
// right for a regular file and wrong for anything else: renaming over /dev/null replaced the host's
// /dev/null with a regular file (issue #9). So: a regular file or a new name is replaced atomically, a
// FIFO is written to directly, and everything else is refused with Docker's words, before any work.
import { statSync } from "node:fs";
import { dirname } from "node:path";
import { UserError } from "../errors.ts";

export class OutputPathError extends UserError {
  constructor(context: string, why: string) {
    super(`${context}: invalid output path: ${why}`);
    this.name = "OutputPathError";
  }
}

export type OutputKind = "absent" | "file" | "fifo";

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";

/** What `path` is (following a symlink, as the write will); throws OutputPathError when it must not be replaced. */
export function checkOutputPath(path: string, context: string): OutputKind {
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw new OutputPathError(context, `${JSON.stringify(dir)} is not a directory`);
  } catch (error) {
    if (!isMissing(error)) throw error;
    throw new OutputPathError(context, `directory ${JSON.stringify(dir)} does not exist`);
  }
  let st;
  try {
    st = statSync(path);
  } catch (error) {
    if (isMissing(error)) return "absent";
    throw error;
  }
  if (st.isFile()) return "file";
  if (st.isFIFO()) return "fifo";
  const got = st.isCharacterDevice() || st.isBlockDevice() ? "got a device" : st.isDirectory() ? "got a directory" : "got an irregular file";
  return refuse(context, path, got);
}

function refuse(context: string, path: string, got: string): never {
  throw new OutputPathError(context, `${JSON.stringify(path)} must be a regular file: ${got}`);
}
