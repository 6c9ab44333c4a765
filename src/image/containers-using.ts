// Which containers use an image. Containers are another module's records; only their "image" field is
// read here, and a missing or unreadable record simply does not count.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export function containersUsing(containersDir: string, imageId: string): string[] {
  let names: string[];
  try {
    names = readdirSync(containersDir);
  } catch {
    return [];
  }
  return names.filter((name) => {
    try {
      const record = JSON.parse(readFileSync(join(containersDir, name, "container.json"), "utf8")) as { image?: unknown };
      return record.image === imageId;
    } catch {
      return false;
    }
  });
}
