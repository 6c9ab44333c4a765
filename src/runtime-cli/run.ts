// `run`: create + start; in the foreground we stay the init's parent, wait for it and return its exit
// code (then delete, unless --keep). With -d we leave, and the init is re-parented like after `create`.
import { createContainer, type CreateOptions } from "./create.ts";
import { deleteContainer, startContainer } from "./lifecycle.ts";
import type { RuntimeContext } from "./context.ts";
import { exitCodeOf } from "./exit-code.ts";

export async function runContainer(ctx: RuntimeContext, opts: CreateOptions, detach: boolean, keep: boolean): Promise<number> {
  const { proc, release } = await createContainer(ctx, opts);
  try {
    startContainer(ctx, opts.id);
  } catch (e) {
    await deleteContainer(ctx, opts.id, true);
    throw e;
  }
  if (detach) {
    proc.unref();
    return 0;
  }
  release();
  const exitCode = await exitCodeOf(proc);
  if (!keep) await deleteContainer(ctx, opts.id, true);
  return exitCode;
}

