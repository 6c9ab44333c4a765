import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { containerStore, eachContainer } from "./each-container.ts";
import { findContainer } from "../container/lookup.ts";
import { assertStartable } from "../container/lifecycle.ts";
import { startDetached } from "../container/detached.ts";
import { runAttached } from "../container/run.ts";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";

const args = {
  attach: { type: "boolean", alias: "a", description: "Attach STDOUT/STDERR and forward signals" },
  interactive: { type: "boolean", alias: "i", description: "Attach container's STDIN" },
} as const;

export default defineCommand({
  meta: { name: "start", description: "Start one or more stopped containers: start [OPTIONS] CONTAINER..." },
  args,
  async run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    const attach = values.attach === true || values.interactive === true;
    if (!attach) return eachContainer(positionals, "start", async (_store, r) => {
      assertStartable(r);
      await startDetached(r.id, (w) => out.warn(w));
    });
    // Attached: this process becomes the container's parent, as with a foreground `run`.
    if (positionals.length !== 1) throw new UserError("you cannot start and attach multiple containers at once");
    const store = containerStore();
    const record = findContainer(store, positionals[0]!);
    assertStartable(record);
    return runAttached(store, record, values.interactive === true, (w) => out.warn(w));
  },
});
