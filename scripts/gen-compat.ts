// Regenerates the "Every Docker 20.10 command and flag" section of docs/compatibility.md from the command
// definitions (src/cli/compat-doc.ts); the hand-written text around it is kept. `bun run gen-compat`.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCommandTree } from "../src/cli/command-tree.ts";
import { renderCompatSection, spliceCompatSection } from "../src/cli/compat-doc.ts";

export const COMPAT_PAGE = join(import.meta.dir, "../docs/compatibility.md");

if (import.meta.main) {
  const page = readFileSync(COMPAT_PAGE, "utf8");
  const next = spliceCompatSection(page, renderCompatSection(await loadCommandTree()));
  if (next === page) console.log("docs/compatibility.md is up to date");
  else {
    writeFileSync(COMPAT_PAGE, next);
    console.log("docs/compatibility.md regenerated");
  }
}
