import { defineCommand } from "citty";
import { out } from "./output.ts";
import { ImageStore } from "../image/store.ts";

export default defineCommand({
  meta: { name: "push", description: "Upload an image to a registry" },
  args: {
    name: { type: "positional", required: true, description: "NAME[:TAG]" },
    quiet: { type: "boolean", alias: "q", description: "Print only the pushed manifest digest" },
  },
  async run({ args }) {
    const { pushImage } = await import("../image/push.ts");
    const { PUSH_LABELS, silentProgress, stderrProgress } = await import("../image/pull-progress.ts");
    const result = await pushImage(new ImageStore(), String(args.name), args.quiet ? silentProgress : stderrProgress(PUSH_LABELS));
    out.log(args.quiet ? result.digest : `${result.tag}: digest: ${result.digest} size: ${result.size}`);
    return 0;
  },
});
