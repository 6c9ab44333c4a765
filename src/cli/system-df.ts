import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { out, writeStdout } from "./output.ts";
import { createdAgo, humanSize, table } from "./human-format.ts";
import { UserError } from "../errors.ts";
import { formatList, hasFormat } from "../format/docker-format.ts";
import { goStruct } from "../format/template/index.ts";
import { storeRoot } from "../image/store.ts";
import { familiarName, parseReference } from "../image/reference.ts";
import { shortId } from "../image/digest.ts";
import { diskUsage, reclaimable, type DiskUsage } from "../system/disk-usage.ts";
import { statusText } from "./ps.ts";

const args = {
  verbose: { type: "boolean", alias: "v", description: "Show detailed information on space usage" },
  format: { type: "string", description: "Format output: table, json, or a Go template such as '{{.Type}} {{.Size}}'" },
} as const;

const DF_FORMAT = {
  defaultTable: "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
  headers: { Type: "TYPE", TotalCount: "TOTAL", Active: "ACTIVE", Size: "SIZE", Reclaimable: "RECLAIMABLE" },
};

/** Docker's "1.2MB (45%)"; no percentage when there is nothing at all. */
function withPercent(part: number, total: number): string {
  return total > 0 ? `${humanSize(part)} (${Math.floor((part * 100) / total)}%)` : humanSize(part);
}

function summaryRows(du: DiskUsage): object[] {
  const free = reclaimable(du);
  const containersSize = du.containers.reduce((n, c) => n + c.sizeRw, 0);
  const volumesSize = du.volumes.reduce((n, v) => n + v.size, 0);
  const cacheSize = du.buildCache.reduce((n, c) => n + c.size, 0);
  const row = (Type: string, total: number, active: number, size: number, Reclaimable: string) =>
    goStruct("*formatter.diskUsageContext", { Type, TotalCount: String(total), Active: String(active), Size: humanSize(size), Reclaimable });
  return [
    row("Images", du.images.length, du.images.filter((i) => i.containers > 0).length, du.layersSize, withPercent(free.images, du.layersSize)),
    row("Containers", du.containers.length, du.containers.filter((c) => c.state.running).length, containersSize, withPercent(free.containers, containersSize)),
    row("Local Volumes", du.volumes.length, du.volumes.filter((v) => v.links > 0).length, volumesSize, withPercent(free.volumes, volumesSize)),
    row("Build Cache", du.buildCache.length, 0, cacheSize, humanSize(free.buildCache)),
  ];
}

function verbose(du: DiskUsage): string {
  const images = du.images.flatMap(({ image, size, sharedSize, containers }) => {
    const cells = (repo: string, tag: string) => [repo, tag, shortId(image.id), createdAgo(image.created), humanSize(size), humanSize(sharedSize), humanSize(size - sharedSize), String(containers)];
    if (image.repoTags.length === 0) return [cells("<none>", "<none>")];
    return image.repoTags.map((t) => { const ref = parseReference(t); return cells(familiarName(ref), ref.tag ?? "<none>"); });
  });
  const containers = du.containers.map(({ record, state, sizeRw, localVolumes }) => {
    const command = record.command.join(" ");
    return [record.id.slice(0, 12), record.imageName, `"${command.length <= 20 ? command : `${command.slice(0, 19)}…`}"`, String(localVolumes), humanSize(sizeRw), createdAgo(record.created), statusText(record, state), record.name];
  });
  const volumes = du.volumes.map((v) => [v.name, String(v.links), humanSize(v.size)]);
  const cache = du.buildCache.map((c) => [c.id.slice(0, 12), "regular", humanSize(c.size), createdAgo(c.created), createdAgo(c.created), "0", "false"]);
  const block = (rows: string[][]) => table(rows).join("\n");
  return [
    "Images space usage:\n",
    block([["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"], ...images]),
    "\nContainers space usage:\n",
    block([["CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"], ...containers]),
    "\nLocal Volumes space usage:\n",
    block([["VOLUME NAME", "LINKS", "SIZE"], ...volumes]),
    `\nBuild cache usage: ${humanSize(du.buildCache.reduce((n, c) => n + c.size, 0))}\n`,
    block([["CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"], ...cache]),
  ].join("\n");
}

export default defineCommand({
  meta: { name: "df", description: "Show disk usage: images, containers, local volumes and build cache" },
  args,
  async run({ rawArgs }) {
    const { values: v, positionals } = splitArgv(rawArgs, args, Infinity);
    if (positionals.length) throw new UserError(`"system df" accepts no arguments`, 1);
    const du = await diskUsage(storeRoot());
    if (v.verbose === true && !hasFormat(v.format)) {
      out.log(verbose(du));
      return 0;
    }
    writeStdout(formatList(hasFormat(v.format) ? v.format : "table", summaryRows(du), DF_FORMAT));
    return 0;
  },
});
