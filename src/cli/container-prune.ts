import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { containerStore } from "./each-container.ts";
import { out } from "./output.ts";
import { humanSize } from "./human-format.ts";
import { UserError } from "../errors.ts";
import { parsePruneFilters } from "../prune/filter.ts";
import { pruneStoppedContainers } from "../container/prune.ts";
import { confirmOnTerminal } from "./confirm.ts";

const args = {
  force: { type: "boolean", alias: "f", description: "Do not prompt for confirmation" },
  filter: { type: "string", description: "Provide filter values (e.g. 'until=<timestamp>', 'label=KEY[=VALUE]', 'label!=KEY') (repeatable)" },
} as const;

export default defineCommand({
  meta: { name: "prune", description: "Remove all stopped containers" },
  args,
  async run({ rawArgs }) {
    const { values: v, positionals } = splitArgv(rawArgs, args, Infinity, ["filter"]);
    if (positionals.length) throw new UserError(`"container prune" accepts no arguments`, 1);
    const filter = parsePruneFilters((v.filter as string[] | undefined) ?? []);
    if (!confirmOnTerminal("WARNING! This will remove all stopped containers.", v.force === true)) return 0;
    const { removed, reclaimed } = await pruneStoppedContainers(containerStore(), filter);
    if (removed.length) out.log(`Deleted Containers:\n${removed.join("\n")}\n`);
    out.log(`Total reclaimed space: ${humanSize(reclaimed)}`);
    return 0;
  },
});
