import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";
import { humanSize } from "./human-format.ts";
import { storeRoot } from "../image/store.ts";
import { pruneVolumes } from "../volume/ops.ts";

const args = {
  all: { type: "boolean", alias: "a", description: "Remove all unused volumes, not just anonymous ones" },
  force: { type: "boolean", alias: "f", description: "Do not prompt (minibox never prompts; accepted for Docker compatibility)" },
} as const;

export default defineCommand({
  meta: { name: "prune", description: "Remove unused anonymous volumes (all unused ones with -a)" },
  args,
  run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    if (positionals.length) throw new UserError(`"volume prune" accepts no arguments`);
    const { removed, reclaimed } = pruneVolumes(storeRoot(), values.all === true);
    if (removed.length) {
      out.log("Deleted Volumes:");
      for (const name of removed) out.log(name);
      out.log("");
    }
    out.log(`Total reclaimed space: ${humanSize(reclaimed)}`);
    return 0;
  },
});
