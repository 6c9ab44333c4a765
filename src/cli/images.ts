import { defineCommand } from "citty";
import { out as consola } from "./output.ts";
import { shortId } from "../image/digest.ts";
import { familiarName, parseReference } from "../image/reference.ts";
import { ImageStore } from "../image/store.ts";
import { createdAgo, humanSize, table } from "./human-format.ts";

export default defineCommand({
  meta: { name: "images", description: "List images" },
  args: {
    repository: { type: "positional", required: false, description: "Only images of this repository" },
    quiet: { type: "boolean", alias: "q", description: "Only show image IDs" },
    // citty reads "--no-trunc" as the negation of "trunc", so that is the flag declared.
    trunc: { type: "boolean", default: true, description: "Truncate image IDs (--no-trunc: show them whole)" },
  },
  async run({ args }) {
    const { images, broken } = await new ImageStore().listAll();
    // A damaged image is listed (so it can be found and removed) with one warning line each.
    for (const b of broken) consola.warn(`image ${shortId(b.id)} is damaged (${b.problem}); remove it with 'minibox rmi -f ${shortId(b.id)}' or run 'minibox system check --repair'`);
    const wanted = args.repository ? parseReference(args.repository, { defaultTag: false }) : undefined;
    const rows: string[][] = [];
    const ids: string[] = [];
    for (const image of images) {
      const id = args.trunc === false ? image.id : shortId(image.id);
      const tags = image.repoTags.map((t) => parseReference(t));
      const shown = wanted
        ? tags.filter((t) => t.domain === wanted.domain && t.path === wanted.path && (wanted.tag === undefined || t.tag === wanted.tag))
        : tags;
      if (wanted && shown.length === 0) continue;
      if (!ids.includes(id)) ids.push(id);
      const created = createdAgo(image.created);
      const size = humanSize(image.size);
      if (shown.length === 0) rows.push(["<none>", "<none>", id, created, size]);
      for (const t of shown) rows.push([familiarName(t), t.tag ?? "<none>", id, created, size]);
    }
    for (const b of broken) {
      const id = args.trunc === false ? b.id : shortId(b.id);
      const tags = b.repoTags.map((t) => parseReference(t));
      if (wanted && !tags.some((t) => t.domain === wanted.domain && t.path === wanted.path)) continue;
      if (!ids.includes(id)) ids.push(id);
      if (tags.length === 0) rows.push(["<none>", "<none>", id, "<broken>", "-"]);
      for (const t of tags) rows.push([familiarName(t), t.tag ?? "<none>", id, "<broken>", "-"]);
    }
    if (args.quiet) {
      for (const id of ids) consola.log(id);
      return 0;
    }
    for (const line of table([["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], ...rows])) consola.log(line);
    return 0;
  },
});
