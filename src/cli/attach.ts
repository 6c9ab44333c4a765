// compat-run: `minibox attach [--detach-keys K] [--no-stdin] [--sig-proxy=false] CONTAINER`.
import { defineCommand, type ArgsDef } from "citty";
import { splitArgv } from "./argv.ts";
import { writeStderr, writeStdout } from "./output.ts";
import { UserError } from "../errors.ts";
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from "../container/detach-keys.ts";
import type { AttachOptions } from "../container/attach.ts";
import type { LogEntry } from "../logs/reader.ts";

const USAGE = "attach [OPTIONS] CONTAINER";

export const attachArgs = {
  "detach-keys": { type: "string", description: "Override the key sequence for detaching a container (default ctrl-p,ctrl-q)" },
  "no-stdin": { type: "boolean", description: "Do not attach STDIN" },
  "sig-proxy": { type: "boolean", description: "Proxy all received signals to the process (default true)" },
} satisfies ArgsDef;

export function parseAttachArgs(rawArgs: readonly string[]): AttachOptions {
  const { values: v, positionals } = splitArgv(rawArgs, attachArgs, Infinity);
  if (positionals.length !== 1) throw new UserError(`"attach" requires exactly 1 argument: ${USAGE}`);
  return {
    container: positionals[0]!,
    stdin: v["no-stdin"] !== true,
    detachKeys: parseDetachKeys((v["detach-keys"] as string | undefined) ?? DEFAULT_DETACH_KEYS),
    sigProxy: v["sig-proxy"] !== false,
  };
}

function print(entries: LogEntry[]): void {
  for (const e of entries) (e.stream === "stderr" ? writeStderr : writeStdout)(e.log);
}

export default defineCommand({
  meta: { name: "attach", description: `Attach local standard input, output, and error streams to a running container: ${USAGE}` },
  args: attachArgs,
  async run({ rawArgs }) {
    const opts = parseAttachArgs(rawArgs);
    const [{ attachContainer }, { ContainerStore }, { storeRoot }] = await Promise.all([
      import("../container/attach.ts"), import("../container/store.ts"), import("../image/store.ts"),
    ]);
    return attachContainer(new ContainerStore(storeRoot()), opts, print);
  },
});
