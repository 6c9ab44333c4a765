import { defineCommand } from "citty";
import { out as consola } from "./output.ts";
import { loadImages, loadedLines } from "../image/load.ts";
import { ImageStore } from "../image/store.ts";

export default defineCommand({
  meta: { name: "load", description: "Load images from a docker-archive or OCI archive (file or stdin)" },
  args: {
    input: { type: "string", alias: "i", description: "Read from this tar archive file instead of stdin" },
    quiet: { type: "boolean", alias: "q", description: "Suppress the load output" },
  },
  async run({ args }) {
    const input = args.input ? { path: args.input } : { stream: Bun.stdin.stream(), label: "stdin" };
    const loaded = await loadImages(new ImageStore(), input);
    if (!args.quiet) for (const line of loadedLines(loaded)) consola.log(line);
    return 0;
  },
});
