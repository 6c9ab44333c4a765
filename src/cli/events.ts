import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { writeStdout } from "./output.ts";
import { UserError } from "../errors.ts";
import { hasFormat, formatEach, parseFormat } from "../format/docker-format.ts";
import { parseTimeArgument } from "../logs/since.ts";
import { storeRoot } from "../image/store.ts";
import { EventTail, pollInterval } from "../events/follow.ts";
import { eventMatches, parseEventFilters } from "../events/filter.ts";
import { defaultEventLine } from "../events/print.ts";
import type { EngineEvent } from "../events/types.ts";

const args = {
  filter: { type: "string", alias: "f", description: "Filter output: type=, event=, container=, image=, label=, network=, volume=, scope= (repeatable)" },
  format: { type: "string", description: "Format output: json, or a Go template such as '{{.Type}} {{.Action}}'" },
  since: { type: "string", description: "Show all events created since timestamp (unix seconds, RFC 3339 date, or a duration such as 10m)" },
  until: { type: "string", description: "Stream events until this timestamp" },
} as const;

// Docker's behaviour: without --until the command streams until interrupted (history first with --since);
// with an --until in the past it prints the history (from --since, or from the start) and exits.
export default defineCommand({
  meta: { name: "events", description: "Get real time events from the engine" },
  args,
  async run({ rawArgs }) {
    const { values: v, positionals } = splitArgv(rawArgs, args, Infinity, ["filter"]);
    if (positionals.length) throw new UserError(`"events" accepts no arguments`, 1);
    const filters = parseEventFilters((v.filter as string[] | undefined) ?? []);
    const now = BigInt(Date.now()) * 1_000_000n;
    const since = typeof v.since === "string" ? parseTimeArgument(v.since, "since") : undefined;
    const until = typeof v.until === "string" ? parseTimeArgument(v.until, "until") : undefined;
    if (since !== undefined && until !== undefined && since > until) throw new UserError(`--since time (${v.since}) cannot be after --until time (${v.until})`, 1);
    const format = typeof v.format === "string" && hasFormat(v.format) ? parseFormat(v.format === "json" ? "{{json .}}" : v.format) : undefined;
    const print = (e: EngineEvent) => writeStdout(format ? formatEach(format, [e]) : `${defaultEventLine(e)}\n`);
    const inWindow = (e: EngineEvent) => (since === undefined || BigInt(e.timeNano) >= since) && (until === undefined || BigInt(e.timeNano) <= until);

    const tail = EventTail.open(storeRoot());
    try {
      const history = tail.history();
      // moby: either bound asks for the stored history (only --until: from the start)
      if (since !== undefined || until !== undefined) for (const e of history) if (inWindow(e) && eventMatches(filters, e)) print(e);
      if (until !== undefined && until <= now) return 0;
      for (;;) {
        for (const e of tail.next()) if (inWindow(e) && eventMatches(filters, e)) print(e);
        if (until !== undefined && BigInt(Date.now()) * 1_000_000n > until) return 0;
        await Bun.sleep(pollInterval);
      }
    } finally {
      tail.close();
    }
  },
});
