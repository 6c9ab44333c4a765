// The bytes in a stopped container's writable layer (its overlay upper dir), for `container prune`'s
// "Total reclaimed space". The tree is the container's: it is only lstat'ed, never followed or opened, and an
// entry that vanishes meanwhile counts as nothing.
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

const isGone = (e: unknown) => ["ENOENT", "ENOTDIR"].includes((e as NodeJS.ErrnoException).code ?? "");

export function writableLayerSize(upperDir: string): number {
  let total = 0;
  const walk = (path: string) => {
    let st;
    try {
      st = lstatSync(path);
    } catch (e) {
      if (isGone(e)) return;
      throw e;
    }
    if (!st.isDirectory()) {
      total += st.isFile() ? st.size : 0;
      return;
    }
    let names: string[];
    try {
      names = readdirSync(path);
    } catch (e) {
      if (isGone(e)) return;
      throw e;
    }
    for (const name of names) walk(join(path, name));
  };
  walk(upperDir);
  return total;
}
