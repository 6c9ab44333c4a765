// compat-sys: a container's labels, wherever `run -l` records them (the labels work adds `labels` to the
// record); none on records written before labels existed.
import type { ContainerRecord } from "./store.ts";

export function containerLabels(record: ContainerRecord): Record<string, string> {
  return (record as ContainerRecord & { labels?: Record<string, string> }).labels ?? {};
}
