import { defineCommand } from "citty";
import { out, writeStdout } from "./output.ts";
import { UserError } from "../errors.ts";
import { splitArgv } from "./argv.ts";
import { formatEach, hasFormat, parseFormat } from "../format/docker-format.ts";
import { describeError } from "./report.ts";

const args = {
  format: { type: "string", alias: "f", description: "Format output: json (default), or a Go template such as '{{.Id}}'" },
} as const;

export default defineCommand({
  meta: { name: "inspect", description: "Display detailed information on one or more images" },
  args: {
    ...args,
    image: { type: "positional", required: true, description: "IMAGE [IMAGE...]" },
  },
  async run({ rawArgs }) {
    // compat: splitArgv rejects unknown flags; --format takes Go templates
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    if (positionals.length === 0) throw new UserError('"image inspect" requires at least 1 argument', 1);
    const format = values.format as string | undefined;
    const template = hasFormat(format) && format !== "json" ? parseFormat(format) : undefined;
    const { inspectImage } = await import("../image/inspect.ts");
    const { ImageStore } = await import("../image/store.ts");
    const store = new ImageStore();
    const found = [];
    let failed = false;
    for (const name of positionals) {
      try {
        found.push(await inspectImage(String(name), store));
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        out.error(describeError(error));
        failed = true;
      }
    }
    if (template) writeStdout(formatEach(template, found));
    else out.log(JSON.stringify(found, null, 4));
    return failed ? 1 : 0; // compat-cli: Docker exits 1 when any of them failed
  },
});
