import { defineCommand } from "citty";
import { UserError } from "../errors.ts";
import { ImageStore } from "../image/store.ts";
import { isatty } from "../sys/tty.ts";
import { writeStdout } from "./output.ts";

export default defineCommand({
  meta: { name: "save", description: "Save images to a docker-archive or OCI archive" },
  args: {
    image: { type: "positional", required: true, description: "IMAGE [IMAGE...]" },
    output: { type: "string", alias: "o", description: "Write to this file (default: stdout, if not a terminal)" },
    format: { type: "string", default: "docker-archive", description: "docker-archive or oci-archive" },
  },
  async run({ args }) {
    const { saveStream, saveToFile } = await import("../image/save.ts");
    const names = (args._.length ? args._ : [args.image]).map(String);
    const format = String(args.format) as "docker-archive" | "oci-archive";
    const store = new ImageStore();
    if (args.output) {
      await saveToFile(store, names, format, String(args.output));
      return 0;
    }
    if (isatty(1)) throw new UserError("cowardly refusing to save to a terminal. Use the -o flag or redirect");
    for await (const chunk of await saveStream(store, names, format)) writeStdout(chunk);
    return 0;
  },
});
