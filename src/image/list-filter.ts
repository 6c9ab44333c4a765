// `images --filter`: Docker's keys dangling=, reference= (path.Match globs against "name:tag" and
// "name"), before=/since= (an image, by creation time), label=KEY[=VALUE]. Several values of one key
// are alternatives; different keys must all match.
import { labelMatches } from "../container/labels.ts";
import { UserError } from "../errors.ts";
import { familiarName, parseReference } from "./reference.ts";
import type { ImageRecord } from "./store.ts";

const KEYS = ["dangling", "reference", "before", "since", "label"];

export type ImageFilters = Map<string, string[]>;

export function parseImageFilters(specs: readonly string[]): ImageFilters {
  const filters: ImageFilters = new Map();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const key = eq < 0 ? spec : spec.slice(0, eq);
    if (eq < 1 || !KEYS.includes(key)) throw new UserError(`invalid filter '${key}'`);
    const value = spec.slice(eq + 1);
    if (key === "dangling" && !["true", "false", "1", "0"].includes(value)) throw new UserError(`invalid filter 'dangling=${value}'`);
    filters.set(key, [...(filters.get(key) ?? []), value]);
  }
  return filters;
}

/** Go's path.Match as a regular expression: * and ? never cross "/". */
function globRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) throw new UserError(`invalid filter 'reference=${pattern}': syntax error in pattern`);
      re += `[${pattern.slice(i + 1, end).replace(/^\^/, "^").replace(/\\/g, "\\\\")}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** The tags of `image` to list (all of them when no reference= filter), or undefined when it is filtered out. */
export function filterImage(image: ImageRecord, filters: ImageFilters, createdOf: (ref: string) => string | undefined): string[] | undefined {
  const dangling = filters.get("dangling");
  if (dangling && !dangling.some((d) => (d === "true" || d === "1") === (image.repoTags.length === 0))) return undefined;
  const created = image.created ?? "";
  for (const ref of filters.get("before") ?? []) if (!(created < (createdOf(ref) ?? ""))) return undefined;
  for (const ref of filters.get("since") ?? []) if (!(created > (createdOf(ref) ?? "\uffff"))) return undefined;
  const labels = image.config.config?.Labels ?? {};
  for (const l of filters.get("label") ?? []) if (!labelMatches(labels, l)) return undefined;
  const patterns = filters.get("reference");
  if (!patterns) return image.repoTags;
  const kept = image.repoTags.filter((t) => {
    const ref = parseReference(t);
    const name = familiarName(ref);
    return patterns.some((p) => { const re = globRegExp(p); return re.test(`${name}:${ref.tag ?? ""}`) || re.test(name); });
  });
  return kept.length ? kept : undefined;
}
