import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { eachContainer } from "./each-container.ts";
import { stopContainer } from "../container/lifecycle.ts";
import { parseSeconds } from "../container/options.ts";

const args = {
  time: { type: "string", alias: "t", description: "Seconds to wait before killing the container" },
} as const;

export default defineCommand({
  meta: { name: "stop", description: "Stop one or more running containers: stop [OPTIONS] CONTAINER..." },
  args,
  run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    const timeout = parseSeconds(values.time as string | undefined, "--time");
    return eachContainer(positionals, "stop", (store, r) => stopContainer(store, r, timeout));
  },
});
