// `minibox builder prune`: the build cache's management command (Docker's name).
import { defineCommand } from "citty";
import { UserError } from "../errors.ts";
import { out } from "./output.ts";
import { humanSize } from "./human-format.ts";

export default defineCommand({
  meta: { name: "builder", description: "Manage the build cache (prune)" },
  async run({ rawArgs }) {
    const [name, ...rest] = rawArgs;
    if (name !== "prune") throw new UserError(`unknown command "builder ${name ?? ""}" (one of: prune)`);
    for (const flag of rest) {
      // -f/--force: minibox never prompts; -a/--all: the whole cache is always pruned.
      if (!["-f", "--force", "-a", "--all", "-af", "-fa"].includes(flag)) throw new UserError(`unknown flag: ${flag}`);
    }
    const [{ pruneBuildCache }, { ImageStore }] = await Promise.all([import("../build/prune.ts"), import("../image/store.ts")]);
    const result = pruneBuildCache(new ImageStore());
    if (result.deletedLayers.length) {
      out.log("Deleted build cache objects:");
      for (const id of result.deletedLayers) out.log(id);
      out.log("");
    }
    out.log(`Total reclaimed space: ${humanSize(result.reclaimed)}`);
    return 0;
  },
});

// compat-cli: the verb's flags, for help, completion and docs/compatibility.md (cli/command-tree.ts).
export const builderVerbs = {
  prune: {
    description: "Remove build cache",
    args: {
      all: { type: "boolean", alias: "a", description: "Remove all unused build cache (always: the whole cache is pruned)" },
      force: { type: "boolean", alias: "f", description: "Do not prompt for confirmation (minibox never prompts)" },
    },
  },
} satisfies Record<string, { description: string; args: import("citty").ArgsDef }>;
