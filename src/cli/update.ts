import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { eachContainer } from "./each-container.ts";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";
import { limitsFromFlags } from "../cgroups/index.ts";
import { parseRestartPolicy } from "../container/options.ts";
import { updateContainer, type UpdateRequest } from "../container/update.ts";

const args = {
  memory: { type: "string", alias: "m", description: "Memory limit" },
  "memory-swap": { type: "string", description: "Swap limit equal to memory plus swap: -1 to enable unlimited swap" },
  "memory-reservation": { type: "string", description: "Memory soft limit" },
  cpus: { type: "string", description: "Number of CPUs" },
  "cpu-shares": { type: "string", alias: "c", description: "CPU shares (relative weight)" },
  "cpu-period": { type: "string", description: "Limit CPU CFS period (microseconds)" },
  "cpu-quota": { type: "string", description: "Limit CPU CFS quota (microseconds)" },
  "cpuset-cpus": { type: "string", description: "CPUs in which to allow execution (0-3, 0,1)" },
  "cpuset-mems": { type: "string", description: "MEMs in which to allow execution (0-3, 0,1)" },
  "pids-limit": { type: "string", description: "Tune container pids limit (-1 for unlimited)" },
  "blkio-weight": { type: "string", description: "Block IO weight (10-1000), 0 to disable" },
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
      limits: limitsFromFlags({
        memory: str("memory"), memorySwap: str("memory-swap"), memoryReservation: str("memory-reservation"), cpus: str("cpus"),
        cpuShares: str("cpu-shares"), cpuPeriod: str("cpu-period"), cpuQuota: str("cpu-quota"), cpusetCpus: str("cpuset-cpus"),
        cpusetMems: str("cpuset-mems"), pidsLimit: str("pids-limit"), blkioWeight: str("blkio-weight"),
      }, navigator.hardwareConcurrency, false),
      restartPolicy: str("restart") === undefined ? undefined : parseRestartPolicy(str("restart")!),
    };
    if (Object.keys(req.limits).length === 0 && !req.restartPolicy) {
      throw new UserError("you must provide one or more flags when using this command");
    }
    return eachContainer(positionals, "update", (store, record) => {
      for (const w of updateContainer(store, record, req)) out.warn(w);
    });
  },
});
