import { defineCommand } from "citty";
import { out } from "./output.ts";
import { EXIT, UserError } from "../errors.ts";
import { describeError } from "./report.ts";

export default defineCommand({
  meta: { name: "inspect", description: "Display detailed information on one or more images" },
  args: {
    image: { type: "positional", required: true, description: "IMAGE [IMAGE...]" },
  },
  async run({ args }) {
    const { inspectImage } = await import("../image/inspect.ts");
    const { ImageStore } = await import("../image/store.ts");
    const store = new ImageStore();
    const found = [];
    let failed = false;
    for (const name of args._.length ? args._ : [args.image]) {
      try {
        found.push(await inspectImage(String(name), store));
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        out.error(describeError(error));
        failed = true;
      }
    }
    out.log(JSON.stringify(found, null, 4));
    return failed ? EXIT.ENGINE : 0;
  },
});
