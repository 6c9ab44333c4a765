import { defineCommand } from "citty";
import { ImageStore } from "../image/store.ts";
import { shortId } from "../image/digest.ts";
import { UserError } from "../errors.ts";
import { createdAgo, humanSize, table } from "./human-format.ts";
import { out } from "./output.ts";
import type { HistoryRow } from "../files/history.ts";

export default defineCommand({
  meta: { name: "history", description: "Show the history of an image: history [OPTIONS] IMAGE" },
  args: {
    human: { type: "boolean", alias: "H", default: true, description: "Print sizes and dates in human readable format (--human=false: raw)" },
    // citty reads "--no-trunc" as the negation of "trunc"
    trunc: { type: "boolean", default: true, description: "Truncate output (--no-trunc: don't)" },
    quiet: { type: "boolean", alias: "q", description: "Only show image IDs" },
    format: { type: "string", description: "Format output using a Go-style template ({{.ID}} {{.CreatedSince}} {{.CreatedAt}} {{.CreatedBy}} {{.Size}} {{.Comment}}), or 'table …'" },
  },
  async run({ args }) {
    const refs = args._.map(String);
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
    if (args.format && args.format !== "table") {
      const template = String(args.format);
      const isTable = template.startsWith("table ");
      const body = (isTable ? template.slice(6) : template).replace(/\\t/g, "\t");
      const render = (f: Record<string, string>) => body.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k: string) => {
        if (!(k in f)) throw new UserError(`template: can't evaluate field ${k} in type history.row`);
        return f[k]!;
      });
      if (isTable) {
        const headers: Record<string, string> = { ID: "IMAGE", CreatedSince: "CREATED", CreatedAt: "CREATED AT", CreatedBy: "CREATED BY", Size: "SIZE", Comment: "COMMENT" };
        const split = (s: string) => s.split("\t");
        for (const line of table([split(render(headers)), ...rows.map((r) => split(render(fields(r))))])) out.log(line);
      } else {
        for (const r of rows) out.log(render(fields(r)));
      }
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
