// Names of the directories `create` builds under tmp/ before renaming them into containers/:
// new-<pid>-<id>, so that a leftover of a killed create is recognised by its dead creator.
import { processStartTime } from "./liveness.ts";

export const STAGING_PREFIX = "new-";

/** "dead" for a staging dir whose creator is gone, "alive" for one being built, undefined for other entries. */
export function stagingOwner(entry: string): "alive" | "dead" | undefined {
  const m = /^new-(\d+)-[0-9a-f]{64}$/.exec(entry);
  if (!m) return undefined;
  return processStartTime(Number(m[1])) === undefined ? "dead" : "alive";
}
