// Which containers use an image. Containers are another module's records; only their "image" field is
// read here. A record that cannot be read or makes no sense counts as using every image: deleting
// layers a container may need is the one mistake that cannot be undone, keeping them can. A container
// directory without a record is a create that died before writing it (creates write the record under
// the store lock that image removal holds exclusively), so it uses nothing.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR";

/** Whether the container's record can be read and names an image (so it is not counted as using every image). */
export function containerRecordReadable(containersDir: string, id: string): boolean {
  try {
    const record = JSON.parse(readFileSync(join(containersDir, id, "container.json"), "utf8")) as { image?: unknown } | null;
    return typeof record?.image === "string";
  } catch {
    return false; // any failure to read or parse: that is the question asked
  }
}

export function containersUsing(containersDir: string, imageId: string): string[] {
  let names: string[];
  try {
    names = readdirSync(containersDir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  return names.filter((name) => {
    // Dot-names are work in progress of container commands (e.g. a create's staging dir); a create that
    // is still running holds the store lock, so under image removal's exclusive lock they are leftovers.
    if (name.startsWith(".")) return false;
    let text: string;
    try {
      text = readFileSync(join(containersDir, name, "container.json"), "utf8");
    } catch (error) {
      return !isMissing(error); // unreadable (EACCES, EIO, …): may be using it
    }
    try {
      const record = JSON.parse(text) as { image?: unknown } | null;
      return typeof record?.image !== "string" || record.image === imageId;
    } catch {
      return true; // garbled: may be using it
    }
  });
}
