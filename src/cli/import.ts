import { defineCommand } from "citty";
import { out as consola } from "./output.ts";
import { importRootfs } from "../image/import.ts";
import { ImageStore } from "../image/store.ts";
import { repeatedFlag } from "./repeated-flag.ts";

export default defineCommand({
  meta: { name: "import", description: "Create an image from a root filesystem tarball ('-' for stdin)" },
  args: {
    file: { type: "positional", required: true, description: "Tarball (plain, gzip or zstd)" },
    reference: { type: "positional", required: false, description: "NAME[:TAG] for the new image" },
    change: { type: "string", alias: "c", description: "Apply Dockerfile instruction to the created image (repeatable)" },
    message: { type: "string", alias: "m", description: "Set commit message for imported image" },
  },
  async run({ args, rawArgs }) {
    const input = args.file === "-" ? { stream: Bun.stdin.stream(), label: "stdin" } : { path: args.file };
    const opts = { changes: repeatedFlag(rawArgs, "-c", "--change"), message: args.message === undefined ? undefined : String(args.message) };
    consola.log(await importRootfs(new ImageStore(), input, args.reference || undefined, new Date(), opts));
    return 0;
  },
});
