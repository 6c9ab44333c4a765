import { defineCommand, runCommand, showUsage, type CommandDef } from "citty";
import { UserError } from "../errors.ts";
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

const subCommands: Record<string, CommandDef> = { check: check as CommandDef };

const system: CommandDef = defineCommand({
  meta: { name: "system", description: "Manage minibox (check)" },
  // Dispatched here rather than through citty's subCommands, which drop the subcommand's exit code.
  async run({ rawArgs }) {
    const [name, ...rest] = rawArgs;
    const cmd = name === undefined ? undefined : subCommands[name];
    if (!cmd) throw new UserError(`unknown command "system ${name ?? ""}" (one of: ${Object.keys(subCommands).join(", ")})`);
    if (rest[0] === "--help") {
      await showUsage(cmd, system);
      return 0;
    }
    const { result } = await runCommand(cmd, { rawArgs: rest });
    return typeof result === "number" ? result : 0;
  },
});

export default system;
