// pause and resume: the container's cgroup frozen or thawed (the freezer is the only safe way to stop
// every process at once).
import { cgroupOf, statusOf } from "./status.ts";
import { MESSAGES, RuntimeError } from "./errors.ts";
import type { RuntimeContext } from "./context.ts";

export function pauseContainer(ctx: RuntimeContext, id: string): void {
  const record = ctx.store.load(id);
  const status = statusOf(ctx.store, record);
  if (status !== "running" && status !== "created") throw new RuntimeError(MESSAGES.notRunning);
  const cgroup = record && cgroupOf(record);
  if (!cgroup) throw new RuntimeError(`container ${id} has no cgroup to freeze`);
  cgroup.freeze();
}

export function resumeContainer(ctx: RuntimeContext, id: string): void {
  const record = ctx.store.load(id);
  if (statusOf(ctx.store, record) !== "paused") throw new RuntimeError("container not paused");
  cgroupOf(record!)?.thaw();
}
