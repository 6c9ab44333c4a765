import { defineCommand } from "citty";
import { containerStore } from "./each-container.ts";
import { findContainer } from "../container/lookup.ts";
import { UserError } from "../errors.ts";
import { out } from "./output.ts";
import { repeatedFlag } from "./repeated-flag.ts";

export default defineCommand({
  meta: { name: "commit", description: "Create a new image from a container's changes: commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]" },
  args: {
    author: { type: "string", alias: "a", description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    message: { type: "string", alias: "m", description: "Commit message" },
    change: { type: "string", alias: "c", description: "Apply Dockerfile instruction to the created image (repeatable)" },
    pause: { type: "boolean", alias: "p", default: true, description: "Pause container during commit (--pause=false: do not)" },
  },
  async run({ args, rawArgs }) {
    const positional = args._.map(String);
    if (positional.length < 1 || positional.length > 2) throw new UserError('"commit" requires at least 1 and at most 2 arguments: commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]');
    const changes = repeatedFlag(rawArgs, "-c", "--change");
    const pause = args.pause !== false;
    const store = containerStore();
    const record = findContainer(store, positional[0]!);
    const { commitContainer } = await import("../files/commit.ts");
    const id = await commitContainer(store, record, {
      author: args.author === undefined ? undefined : String(args.author),
      message: args.message === undefined ? undefined : String(args.message),
      changes, pause, reference: positional[1],
    });
    out.log(id);
    return 0;
  },
});
