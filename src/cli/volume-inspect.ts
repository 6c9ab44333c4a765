import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { out, writeStdout } from "./output.ts";
import { UserError } from "../errors.ts";
import { storeRoot } from "../image/store.ts";
import { inspectVolume } from "../volume/ops.ts";
import { NoSuchVolumeError } from "../volume/errors.ts";
import { formatEach, hasFormat, parseFormat } from "../format/docker-format.ts";

const args = {
  format: { type: "string", alias: "f", description: "Format output: json, or a template such as '{{.Mountpoint}}'" },
} as const;

export default defineCommand({
  meta: { name: "inspect", description: "Display detailed information on one or more volumes" },
  args,
  run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    if (positionals.length === 0) throw new UserError(`"volume inspect" requires at least 1 argument`);
    const format = values.format as string | undefined;
    // compat: a bad template fails before anything is printed
    const template = hasFormat(format) && format !== "json" ? parseFormat(format) : undefined;
    const found: Record<string, unknown>[] = [];
    const missing: string[] = [];
    for (const name of positionals) {
      try {
        found.push(inspectVolume(storeRoot(), name));
      } catch (e) {
        if (!(e instanceof NoSuchVolumeError)) throw e;
        missing.push(name);
      }
    }
    if (template) writeStdout(formatEach(template, found));
    else out.log(JSON.stringify(found, null, 4));
    for (const name of missing.slice(0, -1)) out.error(`No such volume: ${name}`);
    if (missing.length) throw new NoSuchVolumeError(missing[missing.length - 1]!);
    return 0;
  },
});
