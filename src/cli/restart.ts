import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { eachContainer } from "./each-container.ts";
import { stopContainer } from "../container/lifecycle.ts";
import { startDetached } from "../container/detached.ts";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";

const args = {
  time: { type: "string", alias: "t", description: "Seconds to wait for stop before killing the container" },
} as const;

export default defineCommand({
  meta: { name: "restart", description: "Restart one or more containers: restart [OPTIONS] CONTAINER..." },
  args,
  run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    const t = values.time as string | undefined;
    if (t !== undefined && !/^-?[0-9]+$/.test(t)) throw new UserError(`invalid --time: ${t}`);
    return eachContainer(positionals, "restart", async (store, r) => {
      await stopContainer(store, r, t === undefined ? undefined : Number(t));
      await startDetached(r.id, (w) => out.warn(w));
    });
  },
});
