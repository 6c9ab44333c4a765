import { defineCommand, type CommandDef } from "citty";
import { defineCommandGroup, lazy } from "./command-group.ts";
import type { Problem } from "../state/problem.ts";
import { out } from "./output.ts";

// `minibox system check [--repair]`: one line per problem, exit 1 while any remains, 0 when clean.
const check = defineCommand({
  meta: { name: "check", description: "Verify the image store and container records (--repair: remove what is damaged or left over)" },
  args: {
    repair: { type: "boolean", description: "Remove damaged blobs, layers, images, refs and stale temporary data, then check again" },
  },
  async run({ args }) {
    const repair = args.repair ?? false;
    const { ImageStore } = await import("../image/store.ts");
    const { checkImageStore } = await import("../image/check.ts");
    // Containers first: a repaired record is then counted as a user of its image by the image check.
    const { checkContainers } = await import("../container/check.ts");
    const problems: Problem[] = checkContainers({ repair });
    problems.push(...checkImageStore(new ImageStore(), { repair }));
    for (const p of problems) out.log(`${p.kind} ${p.id}: ${p.message}${p.repaired ? " (repaired)" : ""}`);
    const remaining = problems.filter((p) => !p.repaired).length;
    if (problems.length === 0) out.log("No problems found");
    else if (repair && remaining === 0) out.log("All problems repaired");
    return remaining > 0 ? 1 : 0;
  },
});

export default defineCommandGroup("system", "Manage minibox", {
  check: async () => check as CommandDef,
  // compat-sys: Docker's system df and system prune
  df: lazy(() => import("./system-df.ts")),
  prune: lazy(() => import("./system-prune.ts")),
  // Docker's `system events` and `system info` are the top-level commands under another name.
  events: lazy(() => import("./events.ts")),
  info: lazy(() => import("./info.ts")),
});
