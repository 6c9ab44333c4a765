// docs/compatibility.md's generated section matches the command definitions (`bun run gen-compat` regenerates it).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { loadCommandTree } from "../../src/cli/command-tree.ts";
import { BEGIN, END, renderCompatSection, spliceCompatSection } from "../../src/cli/compat-doc.ts";
import { COMPAT_PAGE } from "../../scripts/gen-compat.ts";

test("the checked-in docs/compatibility.md is up to date (run `bun run gen-compat`)", async () => {
  const page = readFileSync(COMPAT_PAGE, "utf8");
  expect(page).toContain(BEGIN);
  const section = page.slice(page.indexOf(BEGIN), page.indexOf(END) + END.length + 1);
  expect(section).toBe(renderCompatSection(await loadCommandTree()));
});

describe("the generated section", () => {
  test("a flag a command defines is supported, one it lacks is not, notes say what is ignored", async () => {
    const tree = await loadCommandTree();
    const doc = renderCompatSection(tree);
    expect(doc).toMatch(/^\| `-d, --detach` \| supported \| +\|$/m);
    expect(doc).toContain("| `docker service create` | not supported | Swarm mode");
    expect(doc).toMatch(/\| `-a, --all` \| accepted, ignored \| minibox keeps no intermediate images/);
    // A flag added to a definition changes the page.
    const ps = tree.find((n) => n.name === "ps")!;
    const withoutSize = tree.map((n) => (n === ps ? { ...n, args: Object.fromEntries(Object.entries(n.args).filter(([k]) => k !== "size")) } : n));
    expect(renderCompatSection(withoutSize)).not.toBe(doc);
  });

  test("splicing keeps the hand-written text around the section", () => {
    const page = `# Title\n\nintro\n\n${BEGIN}\nold\n${END}\n\n## After\n`;
    expect(spliceCompatSection(page, `${BEGIN}\nnew\n${END}\n`)).toBe(`# Title\n\nintro\n\n${BEGIN}\nnew\n${END}\n\n## After\n`);
    expect(spliceCompatSection("# Title\n", `${BEGIN}\nnew\n${END}\n`)).toBe(`# Title\n\n${BEGIN}\nnew\n${END}\n`);
  });
});
