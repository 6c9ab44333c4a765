import { defineCommand } from "citty";
import { parsePruneFilters, pruneFilterMatches } from "../prune/filter.ts"; // compat-sys
import { splitArgv } from "./argv.ts";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";
import { humanSize } from "./human-format.ts";
import { storeRoot } from "../image/store.ts";
import { pruneVolumes } from "../volume/ops.ts";

const args = {
  all: { type: "boolean", alias: "a", description: "Remove all unused volumes, not just anonymous ones" },
  force: { type: "boolean", alias: "f", description: "Do not prompt (minibox never prompts; accepted for Docker compatibility)" },
  filter: { type: "string", description: "Provide filter values (e.g. 'label=KEY[=VALUE]', 'label!=KEY', 'all=true') (repeatable)" }, // compat-sys
} as const;

export default defineCommand({
  meta: { name: "prune", description: "Remove unused anonymous volumes (all unused ones with -a)" },
  args,
  run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity, ["filter"]);
    // compat-sys: Docker's volume prune filters are label=, label!= and all=
    const specs = (values.filter as string[] | undefined) ?? [];
    const allFilter = specs.filter((s) => s.startsWith("all=")).some((s) => s === "all=true" || s === "all=1");
    const filter = parsePruneFilters(specs.filter((s) => !s.startsWith("all=")), ["label"]);
    if (positionals.length) throw new UserError(`"volume prune" accepts no arguments`);
    const { removed, reclaimed } = pruneVolumes(storeRoot(), values.all === true || allFilter, (v) => pruneFilterMatches(filter, v.CreatedAt, v.Labels));
    if (removed.length) {
      out.log("Deleted Volumes:");
      for (const name of removed) out.log(name);
      out.log("");
    }
    out.log(`Total reclaimed space: ${humanSize(reclaimed)}`);
    return 0;
  },
});
