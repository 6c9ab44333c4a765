// `container prune [--filter until=|label=]`: every container that is not running and passes the
// filter, with the space its writable layer held. Broken (Dead) entries need rm -f.
import { currentState } from "./status.ts";
import { listEntries } from "./reconcile.ts";
import { ContainerStateError, removeContainer } from "./lifecycle.ts";
import { ContainerGoneError } from "./lock.ts";
import { writableLayerSize } from "./rw-size.ts";
import type { ContainerStore } from "./store.ts";
import { containerLabels } from "./labels.ts";
import { pruneFilterMatches, type PruneFilter } from "../prune/filter.ts";

export interface ContainerPruneResult { removed: string[]; reclaimed: number }

export async function pruneStoppedContainers(store: ContainerStore, filter: PruneFilter): Promise<ContainerPruneResult> {
  const removed: string[] = [];
  let reclaimed = 0;
  for (const entry of listEntries(store)) {
    const record = entry.record;
    if (!record || currentState(record).running || !pruneFilterMatches(filter, record.created, containerLabels(record))) continue;
    const size = writableLayerSize(store, record);
    try {
      await removeContainer(store, record, false);
    } catch (e) {
      if (e instanceof ContainerGoneError || e instanceof ContainerStateError) continue; // removed or started meanwhile
      throw e;
    }
    removed.push(record.id);
    reclaimed += size;
  }
  return { removed, reclaimed };
}
