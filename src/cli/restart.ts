import { defineCommand } from "citty";
import { emitContainerEvent } from "../events/emit.ts"; // compat-sys: events
import { splitArgv } from "./argv.ts";
import { eachContainer } from "./each-container.ts";
import { stopContainer } from "../container/lifecycle.ts";
import { startDetached } from "../container/detached.ts";
import { out } from "./output.ts";
import { parseSeconds } from "../container/options.ts";

const args = {
  time: { type: "string", alias: "t", description: "Seconds to wait for stop before killing the container" },
} as const;

export default defineCommand({
  meta: { name: "restart", description: "Restart one or more containers: restart [OPTIONS] CONTAINER..." },
  args,
  run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    const timeout = parseSeconds(values.time as string | undefined, "--time");
    return eachContainer(positionals, "restart", async (store, r) => {
      await stopContainer(store, r, timeout);
      await startDetached(r.id, (w) => out.warn(w));
      emitContainerEvent(store.root, r, "restart"); // compat-sys: events
    });
  },
});
