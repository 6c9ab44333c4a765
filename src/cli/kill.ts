import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { eachContainer } from "./each-container.ts";
import { killContainer } from "../container/lifecycle.ts";

const args = {
  signal: { type: "string", alias: "s", description: "Signal to send to the container (default SIGKILL)" },
} as const;

export default defineCommand({
  meta: { name: "kill", description: "Kill one or more running containers: kill [OPTIONS] CONTAINER..." },
  args,
  run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    return eachContainer(positionals, "kill", (store, r) => killContainer(store, r, (values.signal as string | undefined) ?? "SIGKILL"));
  },
});
