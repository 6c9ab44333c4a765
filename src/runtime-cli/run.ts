// `run`: create + start; in the foreground we stay the init's parent, wait for it and return its exit
// code (then delete, unless --keep). With -d we leave, and the init is re-parented like after `create`.
import { createContainer, type CreateOptions } from "./create.ts";
import { deleteContainer, startContainer } from "./lifecycle.ts";
import type { RuntimeContext } from "./context.ts";

export async function runContainer(ctx: RuntimeContext, opts: CreateOptions, detach: boolean, keep: boolean): Promise<number> {
  const { proc } = await createContainer(ctx, opts);
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
  const code = await proc.exited;
  const exitCode = proc.signalCode ? 128 + (signalNumbers[proc.signalCode] ?? 0) : code;
  if (!keep) await deleteContainer(ctx, opts.id, true);
  return exitCode;
}

const signalNumbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGABRT: 6, SIGSEGV: 11, SIGPIPE: 13, SIGUSR1: 10, SIGUSR2: 12 };
