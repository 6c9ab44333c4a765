import { defineCommand } from "citty";
import { containerArgs, parseContainerArgs } from "./container-args.ts";
import { createContainer } from "../container/create.ts";
import { out } from "./output.ts";

export default defineCommand({
  meta: { name: "create", description: "Create a new container: create [OPTIONS] IMAGE [COMMAND] [ARG...]" },
  args: containerArgs,
  async run({ rawArgs }) {
    const { opts } = parseContainerArgs(rawArgs, {}, "create [OPTIONS] IMAGE [COMMAND] [ARG...]");
    const { record } = await createContainer(opts);
    out.log(record.id);
    return 0;
  },
});
