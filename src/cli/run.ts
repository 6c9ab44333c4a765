import { defineCommand, type ArgsDef } from "citty";
import { containerArgs, parseContainerArgs } from "./container-args.ts";
import { runContainer } from "../container/run.ts";
import { out } from "./output.ts";
import { assertTerminalInput } from "./tty-check.ts";

const runOnly = {
  detach: { type: "boolean", alias: "d", description: "Run container in background and print container ID" },
} satisfies ArgsDef;

export default defineCommand({
  meta: { name: "run", description: "Run a command in a new container: run [OPTIONS] IMAGE [COMMAND] [ARG...]" },
  args: { ...containerArgs, ...runOnly },
  async run({ rawArgs }) {
    const { opts, values } = parseContainerArgs(rawArgs, runOnly, "run [OPTIONS] IMAGE [COMMAND] [ARG...]");
    if (values.detach !== true) await assertTerminalInput(opts.interactive === true, opts.tty === true);
    if (values.detach === true) {
      const { runDetached } = await import("../container/detached.ts");
      out.log(await runDetached(opts, (w) => out.warn(w)));
      return 0;
    }
    return runContainer(opts, (w) => out.warn(w));
  },
});
