// `--format` for volume ls/inspect: "json", "table", or a Go-template subset ({{.Field}}, {{json .}},
// {{json .Field}}), enough for the scripts people write against Docker.
import { UserError } from "../errors.ts";

export function renderTemplate(template: string, value: Record<string, unknown>): string {
  return template.replace(/\{\{\s*(json\s+)?\.([A-Za-z]*)\s*\}\}/g, (_m, json: string | undefined, field: string) => {
    const v = field === "" ? value : value[field];
    if (field !== "" && !(field in value)) throw new UserError(`template: :1: can't evaluate field ${field}`);
    if (json) return JSON.stringify(v);
    if (v === null || v === undefined) return "<no value>";
    return typeof v === "object" ? formatMap(v as Record<string, unknown>) : String(v);
  }).replace(/\\n/g, "\n").replace(/\\t/g, "\t");
}

function formatMap(v: Record<string, unknown>): string {
  return `map[${Object.entries(v).map(([k, x]) => `${k}:${String(x)}`).join(" ")}]`;
}
