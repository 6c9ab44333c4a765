// Which containers use which volumes: read from each container's mount records, never cached, so a
// volume can be removed only when no container record (running or not) names it, as in Docker.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { mountInfoOfContainer } from "./mount-info.ts";

/** volume name → ids of the containers that mount it. */
export function volumeUsers(root: string): Map<string, string[]> {
  const users = new Map<string, string[]>();
  const containers = join(root, "containers");
  let ids: string[];
  try {
    ids = readdirSync(containers);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return users;
    throw e;
  }
  for (const id of ids) {
    for (const m of mountInfoOfContainer(join(containers, id))) {
      if (m.Type !== "volume" || !m.Name) continue;
      const list = users.get(m.Name) ?? [];
      if (!list.includes(id)) list.push(id);
      users.set(m.Name, list);
    }
  }
  return users;
}
