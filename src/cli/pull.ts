import { defineCommand } from "citty";
import { out } from "./output.ts";
import { ImageStore } from "../image/store.ts";

export default defineCommand({
  meta: { name: "pull", description: "Download an image from a registry" },
  args: {
    name: { type: "positional", required: true, description: "NAME[:TAG|@DIGEST]" },
    quiet: { type: "boolean", alias: "q", description: "Print only the image reference" },
    platform: { type: "string", description: "os/arch[/variant] to pick from a multi-platform image" },
  },
  async run({ args }) {
    const { pullImage } = await import("../image/pull.ts");
    const result = await pullImage(new ImageStore(), String(args.name), {
      quiet: args.quiet ?? false,
      ...(args.platform !== undefined && { platform: String(args.platform) }),
    });
    out.log(result.reference);
    return 0;
  },
});
