import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";
import { storeRoot } from "../image/store.ts";
import { createVolume } from "../volume/ops.ts";
import { parseOptPairs } from "../volume/driver-options.ts";

const args = {
  driver: { type: "string", alias: "d", description: "Specify volume driver name (local)" },
  opt: { type: "string", alias: "o", description: "Set driver specific options: type=, device=, o= (repeatable)" },
  label: { type: "string", description: "Set metadata for a volume KEY=VALUE (repeatable)" },
  name: { type: "string", description: "Specify volume name" },
} as const;

export default defineCommand({
  meta: { name: "create", description: "Create a volume: volume create [OPTIONS] [VOLUME]" },
  args,
  run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity, ["opt", "label"]);
    if (positionals.length > 1) throw new UserError(`"volume create" requires at most 1 argument`);
    const flagName = values.name as string | undefined;
    if (flagName !== undefined && positionals[0] !== undefined && flagName !== positionals[0]) {
      throw new UserError(`conflicting options: either specify --name or provide positional arg, not both`);
    }
    const list = (k: string) => (values[k] as string[] | undefined) ?? [];
    const labels = Object.fromEntries(list("label").map((l) => {
      const eq = l.indexOf("=");
      return eq < 0 ? [l, ""] : [l.slice(0, eq), l.slice(eq + 1)];
    }));
    const record = createVolume(storeRoot(), {
      name: positionals[0] ?? flagName, driver: values.driver as string | undefined, options: parseOptPairs(list("opt"), "--opt"), labels,
    });
    out.log(record.Name);
    return 0;
  },
});
