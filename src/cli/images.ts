import { defineCommand } from "citty";
import { out as consola, writeStdout } from "./output.ts";
import { splitArgv } from "./argv.ts";
import { shortId } from "../image/digest.ts";
import { familiarName, parseReference } from "../image/reference.ts";
import { ImageStore } from "../image/store.ts";
import { UserError } from "../errors.ts";
import { createdAgo, humanSize, table } from "./human-format.ts";
import { formatList, hasFormat } from "../format/docker-format.ts";
import { imageRow, IMAGES_FORMAT, type ImageFacts } from "../format/image-row.ts";
import { filterImage, parseImageFilters } from "../image/list-filter.ts";

// Parsed with splitArgv so that an unknown flag is an error (compat: `images --format json` was once
// taken for a repository name and printed an empty table).
const args = {
  quiet: { type: "boolean", alias: "q", description: "Only show image IDs" },
  "no-trunc": { type: "boolean", description: "Don't truncate output" },
  digests: { type: "boolean", description: "Show digests" }, // compat-sys
  all: { type: "boolean", alias: "a", description: "Show all images (minibox keeps no intermediate images: same as without)" },
  format: { type: "string", description: "Format output: table, table TEMPLATE, json, or a Go template such as '{{.Repository}}:{{.Tag}}'" },
  filter: { type: "string", alias: "f", description: "Filter output: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE, label=KEY[=VALUE] (repeatable)" },
} as const;

export default defineCommand({
  meta: { name: "images", description: "List images: images [OPTIONS] [REPOSITORY[:TAG]]" },
  args: { ...args, repository: { type: "positional", required: false, description: "Only images of this repository" } },
  async run({ rawArgs }) {
    const { values: v, positionals } = splitArgv(rawArgs, args, Infinity, ["filter"]);
    const filters = parseImageFilters((v.filter as string[] | undefined) ?? []);
    if (positionals.length > 1) throw new UserError('"images" requires at most 1 argument: images [OPTIONS] [REPOSITORY[:TAG]]', 1);
    const full = v["no-trunc"] === true;
    const store = new ImageStore();
    const { images: all, broken } = await store.listAll();
    // before=/since= name images: an unknown one is an error, as Docker's "No such image"
    const createdBy = new Map<string, string | undefined>();
    for (const ref of [...(filters.get("before") ?? []), ...(filters.get("since") ?? [])]) createdBy.set(ref, (await store.resolve(ref)).created);
    const images = all.flatMap((image) => {
      const tags = filterImage(image, filters, (ref) => createdBy.get(ref));
      return tags ? [{ ...image, repoTags: tags }] : [];
    });
    // A damaged image is listed (so it can be found and removed) with one warning line each.
    for (const b of broken) consola.warn(`image ${shortId(b.id)} is damaged (${b.problem}); remove it with 'minibox rmi -f ${shortId(b.id)}' or run 'minibox system check --repair'`);
    const wanted = positionals[0] ? parseReference(positionals[0], { defaultTag: false }) : undefined;
    const rows: ImageFacts[] = [];
    const ids: string[] = [];
    for (const image of images) {
      const id = full ? image.id : shortId(image.id);
      const tags = image.repoTags.map((t) => parseReference(t));
      const shown = wanted
        ? tags.filter((t) => t.domain === wanted.domain && t.path === wanted.path && (wanted.tag === undefined || t.tag === wanted.tag))
        : tags;
      if (wanted && shown.length === 0) continue;
      if (!ids.includes(id)) ids.push(id);
      const base = { id, digest: "<none>", created: image.created ?? "", createdSince: createdAgo(image.created), size: humanSize(image.size) };
      if (shown.length === 0) rows.push({ ...base, repository: "<none>", tag: "<none>" });
      for (const t of shown) rows.push({ ...base, repository: familiarName(t), tag: t.tag ?? "<none>", digest: repoDigestOf(image.repoDigests, familiarName(t)) });
    }
    for (const b of filters.size ? [] : broken) {
      const id = full ? b.id : shortId(b.id);
      const tags = b.repoTags.map((t) => parseReference(t));
      if (wanted && !tags.some((t) => t.domain === wanted.domain && t.path === wanted.path)) continue;
      if (!ids.includes(id)) ids.push(id);
      const base = { id, digest: "<none>", created: "", createdSince: "<broken>", size: "-" };
      if (tags.length === 0) rows.push({ ...base, repository: "<none>", tag: "<none>" });
      for (const t of tags) rows.push({ ...base, repository: familiarName(t), tag: t.tag ?? "<none>" });
    }
    if (v.quiet === true) {
      for (const id of ids) consola.log(id);
      return 0;
    }
    if (hasFormat(v.format)) {
      writeStdout(formatList(v.format, rows.map(imageRow), IMAGES_FORMAT));
      return 0;
    }
    const lines = v.digests === true // compat-sys: Docker's DIGEST column
      ? table([["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"], ...rows.map((r) => [r.repository, r.tag, r.digest, r.id, r.createdSince, r.size])])
      : table([["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], ...rows.map((r) => [r.repository, r.tag, r.id, r.createdSince, r.size])]);
    for (const line of lines) consola.log(line);
    return 0;
  },
});

/** compat-sys: the digest a registry knows `repository` by, as `images --digests` shows it. */
function repoDigestOf(repoDigests: readonly string[] | undefined, repository: string): string {
  const found = repoDigests?.find((d) => d.slice(0, d.lastIndexOf("@")) === repository);
  return found ? found.slice(found.lastIndexOf("@") + 1) : "<none>";
}
