import { defineCommand } from "citty";
import { ImageStore } from "../image/store.ts";
import { shortId } from "../image/digest.ts";
import { UserError } from "../errors.ts";
import { createdAgo, humanSize, table } from "./human-format.ts";
import { out, writeStdout } from "./output.ts";
import { splitArgv } from "./argv.ts";
import { formatList, hasFormat } from "../format/docker-format.ts";
import { goStruct } from "../format/template/index.ts";
import type { HistoryRow } from "../files/history.ts";

// compat: parsed with splitArgv so that unknown flags are refused; --format is the Go template engine
const options = {
  human: { type: "boolean", alias: "H", default: true, description: "Print sizes and dates in human readable format (--human=false: raw)" },
  "no-trunc": { type: "boolean", description: "Don't truncate output" },
  quiet: { type: "boolean", alias: "q", description: "Only show image IDs" },
  format: { type: "string", description: "Format output: table, table TEMPLATE, json, or a Go template ({{.ID}} {{.CreatedSince}} {{.CreatedAt}} {{.CreatedBy}} {{.Size}} {{.Comment}})" },
} as const;

const HISTORY_FORMAT = {
  defaultTable: "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
  headers: { ID: "IMAGE", CreatedSince: "CREATED", CreatedAt: "CREATED AT", CreatedBy: "CREATED BY", Size: "SIZE", Comment: "COMMENT" },
};

export default defineCommand({
  meta: { name: "history", description: "Show the history of an image: history [OPTIONS] IMAGE" },
  args: options,
  async run({ rawArgs }) {
    const { values, positionals: refs } = splitArgv(rawArgs, options, Infinity);
    const args = { trunc: values["no-trunc"] !== true, human: values.human, quiet: values.quiet === true, format: values.format as string | undefined };
    if (refs.length !== 1) throw new UserError('"history" requires exactly 1 argument: history [OPTIONS] IMAGE');
    const store = new ImageStore();
    const { imageHistory } = await import("../files/history.ts");
    const rows = imageHistory(store, await store.resolve(refs[0]!));
    const trunc = args.trunc !== false, human = args.human !== false;
    const fields = (r: HistoryRow): Record<string, string> => ({
      ID: r.id === "<missing>" || !trunc ? r.id : shortId(r.id),
      CreatedSince: human ? createdAgo(r.created) : r.created ?? "",
      CreatedAt: r.created ?? "",
      CreatedBy: trunc ? ellipsis(r.createdBy.replace(/\t/g, " "), 45) : r.createdBy,
      Size: human ? humanSize(r.size) : String(r.size),
      Comment: r.comment,
    });
    if (args.quiet) {
      for (const r of rows) out.log(fields(r).ID!);
      return 0;
    }
    if (hasFormat(args.format)) {
      writeStdout(formatList(args.format, rows.map((r) => goStruct("*formatter.historyContext", fields(r))), HISTORY_FORMAT));
      return 0;
    }
    const header = ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"];
    for (const line of table([header, ...rows.map((r) => { const f = fields(r); return [f.ID!, f.CreatedSince!, f.CreatedBy!, f.Size!, f.Comment!]; })])) out.log(line);
    return 0;
  },
});

function ellipsis(s: string, max: number): string {
  return [...s].length <= max ? s : `${[...s].slice(0, max - 1).join("")}…`;
}
