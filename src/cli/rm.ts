import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { eachContainer } from "./each-container.ts";
import { removeContainer } from "../container/lifecycle.ts";
import { NoSuchContainerError } from "../container/lookup.ts";

const args = {
  force: { type: "boolean", alias: "f", description: "Force the removal of a running container (uses SIGKILL)" },
  volumes: { type: "boolean", alias: "v", description: "Remove anonymous volumes associated with the container" },
} as const;

export default defineCommand({
  meta: { name: "rm", description: "Remove one or more containers: rm [OPTIONS] CONTAINER..." },
  args,
  run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    const force = values.force === true;
    // compat: docker/cli ≥ 23 reports a missing container under -f but does not fail for it
    const tolerate = force ? (e: unknown) => e instanceof NoSuchContainerError : undefined;
    return eachContainer(positionals, "rm", (store, r) => removeContainer(store, r, force, values.volumes === true), tolerate);
  },
});
