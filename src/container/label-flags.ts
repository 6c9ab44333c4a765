// compat-run: `-l/--label KEY[=VALUE]` and `--label-file FILE`, read as Docker's CLI reads them
// (opts.ReadKVStrings: the files first, then the flags, later entries winning), and merged over the image's
// labels at create (moby: the container's labels win, the image's fill in the rest).
import { UserError } from "../errors.ts";
import { readUserFile } from "./options.ts";

/** The lines of a label file, as Docker's parseKeyValueFile keeps them (no lookup of bare keys). */
export function parseLabelFile(path: string): string[] {
  const bytes = readUserFile(path);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`label file ${path} contains invalid utf8 bytes`);
  }
  const out: string[] = [];
  for (const [i, raw] of text.replace(/^\uFEFF/, "").split("\n").entries()) {
    const line = raw.replace(/\r$/, "").replace(/^\s+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq);
    if (/\s/.test(key)) throw new UserError(`variable '${key}' contains whitespaces (${path}, line ${i + 1})`);
    if (key === "") throw new UserError(`no variable name on line '${line}' (${path}, line ${i + 1})`);
    out.push(line);
  }
  return out;
}

/** KEY=VALUE strings to a map; a bare KEY is a label with an empty value (Docker's ConvertKVStringsToMap). */
export function labelMap(entries: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (key === "") throw new UserError(`invalid label '${entry}': empty name`);
    labels[key] = eq < 0 ? "" : entry.slice(eq + 1);
  }
  return labels;
}

/** The labels given with --label-file and -l, in Docker's order of precedence. */
export function parseLabelFlags(files: readonly string[], flags: readonly string[]): Record<string, string> {
  return labelMap([...files.flatMap(parseLabelFile), ...flags]);
}

/** The container's labels over the image's (whose config comes from anywhere: only string values count). */
export function mergeLabels(image: unknown, container: Record<string, string> | undefined): Record<string, string> {
  const fromImage = typeof image === "object" && image !== null && !Array.isArray(image)
    ? Object.fromEntries(Object.entries(image).filter(([, v]) => typeof v === "string")) as Record<string, string>
    : {};
  return { ...fromImage, ...(container ?? {}) };
}
