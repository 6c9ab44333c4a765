import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { containerStore } from "./each-container.ts";
import { findContainer, NoSuchContainerError } from "../container/lookup.ts";
import { inspectContainer } from "../container/inspect.ts";
import { out, writeStdout } from "./output.ts";
import { formatEach, hasFormat, parseFormat } from "../format/docker-format.ts";
import { UserError } from "../errors.ts";

const args = {
  type: { type: "string", description: "Only look for: container or image" },
  format: { type: "string", alias: "f", description: "Format output: json (default), or a Go template such as '{{.State.Pid}}'" },
  size: { type: "boolean", alias: "s", description: "Display total file sizes (accepted; sizes are not computed yet)" },
} as const;

// Containers first, then images, as Docker's top-level inspect does.
export default defineCommand({
  meta: { name: "inspect", description: "Return low-level information on containers or images" },
  args,
  async run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    if (positionals.length === 0) throw new UserError('"inspect" requires at least 1 argument');
    // compat: a bad template fails before any lookup, as Docker's does
    const format = values.format as string | undefined;
    const template = hasFormat(format) && format !== "json" ? parseFormat(format) : undefined;
    const store = containerStore();
    const results: unknown[] = [];
    let failed = false;
    for (const ref of positionals) {
      try {
        if (values.type !== "image") {
          try {
            results.push(inspectContainer(store, findContainer(store, ref)));
            continue;
          } catch (e) {
            if (!(e instanceof NoSuchContainerError) || values.type === "container") throw e;
          }
        }
        const { inspectImage } = await import("../image/inspect.ts");
        const { ImageNotFoundError } = await import("../image/store.ts");
        try {
          results.push(await inspectImage(ref));
        } catch (e) {
          // Neither a container nor an image: Docker's words.
          if (e instanceof ImageNotFoundError && values.type !== "image") throw new UserError(`No such object: ${ref}`, 1);
          throw e;
        }
      } catch (e) {
        out.error(e instanceof Error ? e.message : String(e));
        failed = true;
      }
    }
    if (template) writeStdout(formatEach(template, results));
    else out.log(JSON.stringify(results, null, 4));
    return failed ? 1 : 0;
  },
});
