import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";
import { storeRoot } from "../image/store.ts";
import { removeVolume } from "../volume/ops.ts";

const args = {
  force: { type: "boolean", alias: "f", description: "Do not fail on volumes that do not exist" },
} as const;

export default defineCommand({
  meta: { name: "rm", description: "Remove one or more volumes: volume rm [OPTIONS] VOLUME..." },
  args,
  run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    if (positionals.length === 0) throw new UserError(`"volume rm" requires at least 1 argument`);
    // Like Docker: every name is tried; each failure is one line; the last one decides the exit.
    let failure: UserError | undefined;
    for (const name of positionals) {
      try {
        if (removeVolume(storeRoot(), name, values.force === true)) out.log(name);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        if (failure) out.error(failure.message);
        failure = e;
      }
    }
    if (failure) throw failure;
    return 0;
  },
});
