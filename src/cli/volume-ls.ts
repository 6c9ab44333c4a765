import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { out, writeStdout } from "./output.ts";
import { UserError } from "../errors.ts";
import { table } from "./human-format.ts";
import { storeRoot } from "../image/store.ts";
import { listVolumes, parseFilters, type ListedVolume } from "../volume/ops.ts";
import { formatList, hasFormat } from "../format/docker-format.ts";
import { goStruct } from "../format/template/index.ts";

// compat: docker/cli's VolumeContext headers and default table
const VOLUME_FORMAT = {
  defaultTable: "table {{.Driver}}\t{{.Name}}",
  headers: {
    Name: "VOLUME NAME", Driver: "DRIVER", Scope: "SCOPE", Mountpoint: "MOUNTPOINT", Labels: "LABELS", Links: "LINKS",
    Size: "SIZE", Group: "GROUP", Availability: "AVAILABILITY", Status: "STATUS",
  },
};

const args = {
  quiet: { type: "boolean", alias: "q", description: "Only display volume names" },
  filter: { type: "string", alias: "f", description: "Filter output: dangling=true|false, name=, label=KEY[=VALUE], driver= (repeatable)" },
  format: { type: "string", description: "Format output: table, json, or a template such as '{{.Name}}'" },
} as const;

/** The row Docker's `volume ls --format` sees. */
function row(v: ListedVolume): object {
  return goStruct("*formatter.volumeContext", {
    Availability: "N/A", Driver: v.Driver, Group: "N/A", Labels: Object.entries(v.Labels).map(([k, x]) => `${k}=${x}`).join(","),
    Label: Object.assign((name: unknown) => v.Labels[String(name)] ?? "", { arity: 1 }),
    Links: "N/A", Mountpoint: v.Mountpoint, Name: v.Name, Scope: v.Scope, Size: "N/A", Status: "N/A",
  });
}

export default defineCommand({
  meta: { name: "ls", description: "List volumes" },
  args,
  run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity, ["filter"]);
    if (positionals.length) throw new UserError(`"volume ls" accepts no arguments`);
    const keep = parseFilters((values.filter as string[] | undefined) ?? []);
    const volumes = listVolumes(storeRoot()).filter(keep);
    const format = values.format as string | undefined;
    if (values.quiet === true) {
      for (const v of volumes) out.log(v.Name);
    } else if (hasFormat(format)) {
      writeStdout(formatList(format, volumes.map(row), VOLUME_FORMAT));
    } else {
      for (const line of table([["DRIVER", "VOLUME NAME"], ...volumes.map((v) => [v.Driver, v.Name])])) out.log(line);
    }
    return 0;
  },
});
