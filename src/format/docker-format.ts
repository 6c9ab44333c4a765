// docker/cli's --format directives over the template engine: "table [TEMPLATE]" (a header row from the
// header names, columns aligned by tabwriter), "json" (one JSON object per line, Docker ≥ 23), or a
// template run once per row. Bad templates fail before anything is printed, with exit status 1 as Docker.
import { UserError } from "../errors.ts";
import { headerFunctions, Template, TemplateExecError, TemplateParseError } from "./template/index.ts";
import { tabwrite } from "./tabwriter.ts";

/** A template Docker would refuse, in Docker's words; exit 1 (docker/cli's status for non-run errors). */
export class FormatError extends UserError {
  constructor(message: string) {
    super(message, 1);
    this.name = "FormatError";
  }
}

export interface ListFormat {
  /** Docker's default for this command, used for `--format table` (starts with "table "). */
  defaultTable: string;
  /** Column headers by field name, e.g. { ID: "CONTAINER ID" }. */
  headers: Record<string, string>;
}

/** True when the user asked for a format (anything but nothing or an empty string). */
export function hasFormat(format: unknown): format is string {
  return typeof format === "string" && format !== "";
}

/** Parses a template as docker/cli does: `\t` and `\n` written literally become tab and newline. */
export function parseFormat(text: string): Template {
  try {
    return Template.parse(text);
  } catch (e) {
    if (e instanceof TemplateParseError) throw new FormatError(`template parsing error: ${e.message}`);
    throw e;
  }
}

function execute(t: Template, value: unknown, funcs?: Parameters<Template["execute"]>[1]): string {
  try {
    return t.execute(value, funcs);
  } catch (e) {
    if (e instanceof TemplateExecError) throw new FormatError(e.message);
    throw e;
  }
}

/** The whole output of a list command for `format` (lines end with "\n"). */
export function formatList(format: string, rows: readonly unknown[], spec: ListFormat): string {
  let text = format;
  const table = text === "table" || text.startsWith("table ");
  if (text === "table") text = spec.defaultTable;
  if (text.startsWith("table ")) text = text.slice("table ".length);
  if (text === "json") text = "{{json .}}";
  text = text.replace(/^ +| +$/g, "").replace(/\\t/g, "\t").replace(/\\n/g, "\n");
  const template = parseFormat(text);
  let body = "";
  for (const row of rows) body += `${execute(template, row)}\n`;
  if (!table) return body;
  let header = "";
  try {
    header = execute(template, headerContext(spec.headers), headerFunctions);
  } catch (e) {
    // A field with no header (a method taking arguments, say) leaves the header row empty, not the table.
    if (!(e instanceof FormatError)) throw e;
  }
  return tabwrite(`${header}\n${body}`);
}

/** What a header template sees: each field's header name; `.Label "x"` style methods print their name. */
function headerContext(headers: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers));
}

/** `inspect --format`: the template once per value, each followed by a newline; "json" is the default. */
export function formatEach(format: string | Template, values: readonly unknown[]): string {
  const template = typeof format === "string" ? parseFormat(format) : format;
  return values.map((v) => `${execute(template, v)}\n`).join("");
}
