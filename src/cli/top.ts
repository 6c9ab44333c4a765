import { defineCommand } from "citty";
import { containerStore } from "./each-container.ts";
import { writeStdout } from "./output.ts";
import { UserError } from "../errors.ts";
import { findContainer } from "../container/lookup.ts";
import { containerTop } from "../container/top.ts";
import { tabwrite } from "../format/tabwriter.ts";

// compat: `top CONTAINER [ps OPTIONS]`; everything after the container goes to ps as it is.
export default defineCommand({
  meta: { name: "top", description: "Display the running processes of a container: top CONTAINER [ps OPTIONS]" },
  run({ rawArgs }) {
    const [ref, ...psArgs] = rawArgs;
    if (ref === undefined || ref.startsWith("-")) throw new UserError('"top" requires at least 1 argument: top CONTAINER [ps OPTIONS]', 1);
    const store = containerStore();
    const { titles, processes } = containerTop(findContainer(store, ref), psArgs);
    // docker/cli: tabwriter(minwidth 20, padding 3)
    writeStdout(tabwrite([titles, ...processes].map((row) => `${row.join("\t")}\n`).join(""), { minWidth: 20, padding: 3 }));
    return 0;
  },
});
