import { defineCommand } from "citty";
import { containerStore } from "./each-container.ts";
import { findContainer } from "../container/lookup.ts";
import { UserError } from "../errors.ts";

export default defineCommand({
  meta: { name: "export", description: "Export a container's filesystem as a tar archive: export [-o FILE] CONTAINER" },
  args: {
    output: { type: "string", alias: "o", description: "Write to a file, instead of STDOUT" },
    container: { type: "positional", required: false },
  },
  async run({ args }) {
    const refs = args._.map(String);
    if (refs.length !== 1) throw new UserError('"export" requires exactly 1 argument: export [OPTIONS] CONTAINER');
    const store = containerStore();
    const record = findContainer(store, refs[0]!);
    const { exportContainer } = await import("../files/export.ts");
    if (args.output) {
      const { writeOutputFile } = await import("../files/output-file.ts");
      await writeOutputFile(String(args.output), exportContainer(store, record));
      return 0;
    }
    if (process.stdout.isTTY) throw new UserError("cowardly refusing to save to a terminal. Use the -o flag or redirect", 1);
    const writer = Bun.stdout.writer();
    for await (const chunk of exportContainer(store, record)) await writer.write(chunk);
    await writer.end();
    return 0;
  },
});
