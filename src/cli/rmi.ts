import { defineCommand } from "citty";
import { out as consola } from "./output.ts";
import { UserError } from "../errors.ts";
import { ImageStore } from "../image/store.ts";
import { describeError } from "./report.ts";

export default defineCommand({
  meta: { name: "rmi", description: "Remove one or more images" },
  args: {
    image: { type: "positional", required: true, description: "IMAGE [IMAGE...]" },
    force: { type: "boolean", alias: "f", description: "Remove the image's tags even if a container uses it" },
  },
  async run({ args }) {
    const store = new ImageStore();
    let failed = false;
    // Like Docker: each image is tried; failures are reported one per line and the exit code says so.
    for (const ref of args._.length ? args._ : [args.image]) {
      try {
        for (const line of await store.remove(String(ref), { force: args.force ?? false })) consola.log(line);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        consola.error(describeError(error));
        failed = true;
      }
    }
    return failed ? 1 : 0; // compat-cli: Docker exits 1 when any of them failed
  },
});
