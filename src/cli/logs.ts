import { defineCommand, type ArgsDef } from "citty";
import { splitArgv } from "./argv.ts";
import { writeStderr, writeStdout } from "./output.ts";
import { UserError } from "../errors.ts";
import { parseTail, parseTimeArgument } from "../logs/since.ts";
import { formatEntry, type LogEntry } from "../logs/reader.ts";
import type { LogsOptions } from "../container/logs.ts";

const USAGE = "logs [OPTIONS] CONTAINER";

export const logsArgs = {
  follow: { type: "boolean", alias: "f", description: "Follow log output" },
  timestamps: { type: "boolean", alias: "t", description: "Show timestamps" },
  tail: { type: "string", alias: "n", description: 'Number of lines to show from the end of the logs (default "all")' },
  since: { type: "string", description: "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)" },
  until: { type: "string", description: "Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)" },
  details: { type: "boolean", description: "Show extra details provided to logs" }, // compat-run
} satisfies ArgsDef;

export function parseLogsArgs(rawArgs: readonly string[], now = Date.now()): LogsOptions & { timestamps: boolean; details: boolean } {
  const { values: v, positionals } = splitArgv(rawArgs, logsArgs, Infinity);
  if (positionals.length !== 1) throw new UserError(`"logs" requires exactly 1 argument: ${USAGE}`);
  const since = v.since as string | undefined, until = v.until as string | undefined;
  return {
    container: positionals[0]!,
    follow: v.follow === true,
    timestamps: v.timestamps === true,
    details: v.details === true, // compat-run
    selection: {
      since: since === undefined || since === "" ? undefined : parseTimeArgument(since, "since", now),
      until: until === undefined || until === "" ? undefined : parseTimeArgument(until, "until", now),
      tail: parseTail(v.tail as string | undefined),
    },
  };
}

/** Blocking writes, consecutive entries of one stream batched into one write. */
function printer(timestamps: boolean, details: boolean): (entries: LogEntry[]) => void {
  return (entries) => {
    let i = 0;
    while (i < entries.length) {
      const stream = entries[i]!.stream;
      let text = "";
      for (; i < entries.length && entries[i]!.stream === stream; i++) text += formatEntry(entries[i]!, timestamps, details);
      if (stream === "stderr") writeStderr(text);
      else writeStdout(text);
    }
  };
}

export default defineCommand({
  meta: { name: "logs", description: `Fetch the logs of a container: ${USAGE}` },
  args: logsArgs,
  async run({ rawArgs }) {
    const opts = parseLogsArgs(rawArgs);
    const [{ containerLogs }, { ContainerStore }, { storeRoot }] = await Promise.all([
      import("../container/logs.ts"), import("../container/store.ts"), import("../image/store.ts"),
    ]);
    // A reader that went away (`logs -f | head`) ends the command quietly: output.ts, ClosedOutputError.
    await containerLogs(new ContainerStore(storeRoot()), opts, printer(opts.timestamps, opts.details));
    return 0;
  },
});
