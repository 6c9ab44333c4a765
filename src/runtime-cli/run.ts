// `run`: create + start; in the foreground we stay the init's parent, wait for it and return its exit
// code (then delete, unless --keep). With -d we leave, and the init is re-parented like after `create`.
import { createContainer, type CreateOptions } from "./create.ts";
import { deleteContainer, startContainer } from "./lifecycle.ts";
import type { RuntimeContext } from "./context.ts";
import { exitCodeOf } from "./exit-code.ts";
import { hasHooks } from "./hooks.ts";

export async function runContainer(ctx: RuntimeContext, opts: CreateOptions, detach: boolean, keep: boolean): Promise<number> {
  const { proc, release } = await createContainer(ctx, opts);
  // `start` waits for the exec when there are startContainer/poststart hooks, and the init execs only
  // once the hold is released: let go first. (With -d a command that ends before we exit is then reaped by
  // us, not by the caller's subreaper; nobody could wait for it anyway.)
  if (!detach || hasHooks(ctx.store.hooks(opts.id), "startContainer", "poststart")) release();
  try {
    await startContainer(ctx, opts.id);
  } catch (e) {
    await deleteContainer(ctx, opts.id, true);
    throw e;
  }
  if (detach) {
    proc.unref();
    return 0;
  }
  const exitCode = await exitCodeOf(proc);
  if (!keep) await deleteContainer(ctx, opts.id, true);
  return exitCode;
}

