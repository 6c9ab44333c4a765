// `run -d` and `start`: the container's parent is the monitor, so this process can return at once.
import { UserError } from "../errors.ts";
import { askMonitor } from "../monitor/client.ts";
import type { CreateOptions } from "./options.ts";
import { createContainer } from "./create.ts";
import type { Warn } from "./run.ts";

export async function runDetached(opts: CreateOptions, warn: Warn): Promise<string> {
  const { record } = await createContainer(opts);
  await startDetached(record.id, warn);
  return record.id;
}

export async function startDetached(id: string, warn: Warn): Promise<void> {
  const reply = await askMonitor({ op: "start", id });
  if (!reply.ok) throw new UserError(reply.error, reply.exitCode);
  for (const w of reply.warnings ?? []) warn(w);
}
