import { defineCommand } from "citty";
import { out as consola } from "./output.ts";
import { importRootfs } from "../image/import.ts";
import { ImageStore } from "../image/store.ts";

export default defineCommand({
  meta: { name: "import", description: "Create an image from a root filesystem tarball ('-' for stdin)" },
  args: {
    file: { type: "positional", required: true, description: "Tarball (plain, gzip or zstd)" },
    reference: { type: "positional", required: false, description: "NAME[:TAG] for the new image" },
  },
  async run({ args }) {
    const input = args.file === "-" ? { stream: Bun.stdin.stream(), label: "stdin" } : { path: args.file };
    consola.log(await importRootfs(new ImageStore(), input, args.reference || undefined));
    return 0;
  },
});
