import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";
import { table } from "./human-format.ts";
import { storeRoot } from "../image/store.ts";
import { listVolumes, parseFilters, type ListedVolume } from "../volume/ops.ts";
import { renderTemplate } from "./volume-format.ts";

const args = {
  quiet: { type: "boolean", alias: "q", description: "Only display volume names" },
  filter: { type: "string", alias: "f", description: "Filter output: dangling=true|false, name=, label=KEY[=VALUE], driver= (repeatable)" },
  format: { type: "string", description: "Format output: table, json, or a template such as '{{.Name}}'" },
} as const;

/** The row Docker's `volume ls --format` sees. */
function row(v: ListedVolume): Record<string, unknown> {
  return {
    Availability: "N/A", Driver: v.Driver, Group: "N/A", Labels: Object.entries(v.Labels).map(([k, x]) => `${k}=${x}`).join(","),
    Links: "N/A", Mountpoint: v.Mountpoint, Name: v.Name, Scope: v.Scope, Size: "N/A", Status: "N/A",
  };
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
    } else if (format === "json") {
      for (const v of volumes) out.log(JSON.stringify(row(v)));
    } else if (format !== undefined && format !== "table" && !format.startsWith("table ")) {
      for (const v of volumes) out.log(renderTemplate(format, row(v)));
    } else {
      for (const line of table([["DRIVER", "VOLUME NAME"], ...volumes.map((v) => [v.Driver, v.Name])])) out.log(line);
    }
    return 0;
  },
});
