import { defineCommand } from "citty";
import { ImageStore } from "../image/store.ts";

export default defineCommand({
  meta: { name: "tag", description: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE" },
  args: {
    source: { type: "positional", required: true, description: "SOURCE_IMAGE[:TAG]" },
    target: { type: "positional", required: true, description: "TARGET_IMAGE[:TAG]" },
  },
  async run({ args }) {
    await new ImageStore().tag(args.source, args.target);
    return 0;
  },
});
