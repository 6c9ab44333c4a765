import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { writeStdout } from "./output.ts";
import { UserError } from "../errors.ts";
import { formatEach, hasFormat } from "../format/docker-format.ts";
import { tabwrite } from "../format/tabwriter.ts";
import { VERSION_TEMPLATE, versionInfo } from "../format/system-info.ts";

// compat: `version [--format]`, Docker's Client/Server shape
const args = {
  format: { type: "string", alias: "f", description: "Format output using a Go template, or json" },
} as const;

export default defineCommand({
  meta: { name: "version", description: "Show the minibox version information" },
  args,
  run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    if (positionals.length) throw new UserError('"version" accepts no arguments', 1);
    const format = values.format;
    const info = versionInfo();
    if (format === "json") writeStdout(formatEach("{{json .}}", [info]));
    else if (hasFormat(format)) writeStdout(formatEach(format, [info]));
    // docker/cli: tabwriter(minwidth 20, padding 1)
    else writeStdout(tabwrite(formatEach(VERSION_TEMPLATE, [info]), { minWidth: 20, padding: 1 }));
    return 0;
  },
});
