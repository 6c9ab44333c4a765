// compat-sys: a container's labels, wherever `run -l` records them (the labels work adds `labels` to the
// record); none on records written before labels existed.
import type { ContainerRecord } from "./store.ts";

export function containerLabels(record: ContainerRecord): Record<string, string> {
  return (record as ContainerRecord & { labels?: Record<string, string> }).labels ?? {};
}

/** A `label=KEY` or `label=KEY=VALUE` filter (ps, images, network ls): own labels only, never a property
 * every object has (`label=constructor`). */
export function labelMatches(labels: Record<string, string> | undefined, filter: string): boolean {
  const eq = filter.indexOf("=");
  const key = eq < 0 ? filter : filter.slice(0, eq);
  if (!labels || !Object.hasOwn(labels, key)) return false;
  return eq < 0 || labels[key] === filter.slice(eq + 1);
}
