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
      try {
        out.log(String(await waitContainer(store, findContainer(store, ref))));
      } catch (e) {
        out.error(describeError(e));
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
});
