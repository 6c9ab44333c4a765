import { defineCommand } from "citty";
import { containerStore } from "./each-container.ts";
import { findContainer } from "../container/lookup.ts";
import { renameContainer } from "../container/lifecycle.ts";
import { UserError } from "../errors.ts";

export default defineCommand({
  meta: { name: "rename", description: "Rename a container: rename CONTAINER NEW_NAME" },
  async run({ rawArgs }) {
    if (rawArgs.length !== 2) throw new UserError('"rename" requires exactly 2 arguments: rename CONTAINER NEW_NAME');
    const store = containerStore();
    await renameContainer(store, findContainer(store, rawArgs[0]!), rawArgs[1]!);
    return 0;
  },
});
