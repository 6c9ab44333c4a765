// A build killed with -9 while a RUN was running leaves its container behind (running, or exited with
// nobody to record it). The next build finishes that cleanup: every `build-*` container whose parent
// process is gone is killed and removed, as `rm -f` would. A container still being set up by another
// build (created, not launched yet) is left alone unless it is old.
import type { ContainerStore } from "../../container/store.ts";

const SETUP_GRACE_MS = 60_000;

export async function removeOrphanedBuildContainers(store: ContainerStore): Promise<string[]> {
  const [{ isAlive }, { removeContainer }] = await Promise.all([import("../../container/liveness.ts"), import("../../container/lifecycle.ts")]);
  const removed: string[] = [];
  for (const record of store.list()) {
    if (!record.name.startsWith("build-")) continue;
    const parent = record.state.parent;
    const orphaned = parent !== undefined ? !isAlive(parent) : Date.now() - Date.parse(record.created) > SETUP_GRACE_MS;
    if (!orphaned) continue;
    await removeContainer(store, record, true);
    removed.push(record.name);
  }
  return removed;
}
