import { defineCommand } from "citty";
import { containerStore } from "./each-container.ts";
import { UserError } from "../errors.ts";

export default defineCommand({
  meta: { name: "cp", description: "Copy files/folders between a container and the local filesystem: cp [-a] [-L] CONTAINER:SRC DEST|- or SRC|- CONTAINER:DEST" },
  args: {
    archive: { type: "boolean", alias: "a", description: "Archive mode (copy all uid/gid information)" },
    "follow-link": { type: "boolean", alias: "L", description: "Always follow symbol link in SRC_PATH" },
    src: { type: "positional", required: false },
    dest: { type: "positional", required: false },
  },
  async run({ args }) {
    const positional = args._.map(String);
    if (positional.length !== 2) throw new UserError('"cp" requires exactly 2 arguments: cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|- or SRC_PATH|- CONTAINER:DEST_PATH');
    const { copy, parseEndpoint } = await import("../files/cp.ts");
    const src = parseEndpoint(positional[0]!), dest = parseEndpoint(positional[1]!);
    await copy(containerStore(), src, dest, { archive: Boolean(args.archive), followLink: Boolean(args["follow-link"]) }, {
      stdin: () => Bun.stdin.stream(),
      async stdout(chunks) {
        if (process.stdout.isTTY) throw new UserError("cannot copy to STDOUT when it is a terminal");
        const writer = Bun.stdout.writer();
        for await (const chunk of chunks) await writer.write(chunk);
        await writer.end();
      },
    });
    return 0;
  },
});
