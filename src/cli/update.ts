import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { resourceArgs, resourceFlags } from "./container-args.ts";
import { eachContainer } from "./each-container.ts";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";
import { limitsFromFlags } from "../cgroups/index.ts";
import { parseRestartPolicy } from "../container/options.ts";
import { updateContainer, type UpdateRequest } from "../container/update.ts";

// Docker's update has no --oom-kill-disable: everything else of run's resource flags.
const { "oom-kill-disable": _notUpdatable, ...updatableResources } = resourceArgs;
const args = {
  ...updatableResources,
  restart: { type: "string", description: "Restart policy to apply when a container exits" },
} as const;

export default defineCommand({
  meta: { name: "update", description: "Update configuration of one or more containers" },
  args,
  run({ rawArgs }) {
    const { values: v, positionals } = splitArgv(rawArgs, args, Infinity);
    const str = (k: keyof typeof args) => v[k] as string | undefined;
    // Flags are checked once, before any container is touched: a bad value changes nothing anywhere.
    const req: UpdateRequest = {
      limits: limitsFromFlags(resourceFlags(v), navigator.hardwareConcurrency, false),
      restartPolicy: str("restart") === undefined ? undefined : parseRestartPolicy(str("restart")!),
    };
    if (Object.keys(req.limits).length === 0 && !req.restartPolicy) {
      throw new UserError("you must provide one or more flags when using this command");
    }
    return eachContainer(positionals, "update", async (store, record) => {
      for (const w of await updateContainer(store, record, req)) out.warn(w);
    });
  },
});
