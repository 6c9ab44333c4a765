import { defineCommand } from "citty";
import { containerStore } from "./each-container.ts";
import { findContainer } from "../container/lookup.ts";
import { waitContainer } from "../container/lifecycle.ts";
import { out } from "./output.ts";
import { describeError } from "./report.ts";
import { UserError } from "../errors.ts";

export default defineCommand({
  meta: { name: "wait", description: "Block until one or more containers stop, then print their exit codes" },
  async run({ rawArgs }) {
    if (rawArgs.length === 0) throw new UserError('"wait" requires at least 1 argument');
    const store = containerStore();
    let failed = false;
    for (const ref of rawArgs) {
      let code: number;
      try {
        code = await waitContainer(store, findContainer(store, ref));
      } catch (e) {
        out.error(describeError(e));
        failed = true;
        continue;
      }
      out.log(String(code)); // outside the catch: a closed stdout ends the command (output.ts)
    }
    return failed ? 1 : 0;
  },
});
