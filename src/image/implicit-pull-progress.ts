// compat-cli: what `run`/`create` show while they pull an image the store lacks, as Docker does: "Unable to
// find image 'X' locally", then the pull's progress (live on a terminal, one line per step otherwise). The
// first line waits until the registry has answered with something to fetch: a pull that fails at once (no
// such tag, no registry) then stays the single error line the caller reports.
import { stderrProgress, type PullProgress } from "./pull-progress.ts";

/** `missing`: the store lacks the image (else `--pull always` pulls one it has, and nothing is announced). */
export function implicitPullProgress(reference: string, missing: boolean, inner: PullProgress = stderrProgress()): PullProgress {
  let held: string[] | undefined = [];
  const flush = () => {
    if (!held) return;
    if (missing) inner.message(`Unable to find image '${reference}' locally`);
    for (const line of held) inner.message(line);
    held = undefined;
  };
  return {
    message(line) {
      // `docker run` says neither (they are `docker pull`'s).
      if (line.startsWith("Unable to find image ") || line.startsWith("Using default tag: ")) return;
      if (held && !line.startsWith("Digest: ")) held.push(line);
      else {
        flush();
        inner.message(line);
      }
    },
    layer(id, state, current, total) {
      flush();
      inner.layer(id, state, current, total);
    },
    close() {
      if (!held) inner.close();
    },
  };
}
