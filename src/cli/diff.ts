import { defineCommand } from "citty";
import { containerStore } from "./each-container.ts";
import { findContainer } from "../container/lookup.ts";
import { UserError } from "../errors.ts";
import { out } from "./output.ts";

export default defineCommand({
  meta: { name: "diff", description: "Inspect changes to files or directories on a container's filesystem" },
  async run({ rawArgs }) {
    if (rawArgs.length !== 1) throw new UserError('"diff" requires exactly 1 argument: diff CONTAINER');
    const store = containerStore();
    const { containerChanges } = await import("../files/diff.ts");
    for (const c of await containerChanges(store, findContainer(store, rawArgs[0]!))) out.log(`${c.kind} ${c.path}`);
    return 0;
  },
});
