import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { containerStore } from "./each-container.ts";
import { out } from "./output.ts";
import { statsContext, STATS_FORMAT, tableLines } from "./stats-format.ts";
import { formatList, hasFormat } from "../format/docker-format.ts";
import { findContainer } from "../container/lookup.ts";
import { sampleContainer, statsRow, type Sample } from "../container/stats.ts";
import { currentState } from "../container/status.ts";
import type { ContainerRecord, ContainerStore } from "../container/store.ts";
import { isatty } from "../sys/tty.ts";

const args = {
  all: { type: "boolean", alias: "a", description: "Show all containers (default shows just running)" },
  "no-stream": { type: "boolean", description: "Disable streaming stats and only pull the first result" },
  "no-trunc": { type: "boolean", description: "Do not truncate output" },
  format: { type: "string", description: "Format output: table, table TEMPLATE, json, or a Go template such as '{{.Name}} {{.CPUPerc}}'" },
} as const;

/** The first frame comes after this much, so that it already has a CPU %; later frames every REFRESH_MS. */
const FIRST_FRAME_MS = 500;
const REFRESH_MS = 1000;

type Samples = Map<string, Sample | undefined>;

export default defineCommand({
  meta: { name: "stats", description: "Display a live stream of container(s) resource usage statistics" },
  args,
  async run({ rawArgs }) {
    const { values: v, positionals } = splitArgv(rawArgs, args, Infinity);
    const format = hasFormat(v.format) ? v.format : undefined;
    // compat: a bad template fails at once, not at the first frame
    if (format !== undefined) formatList(format, [], STATS_FORMAT);
    const store = containerStore();
    // Named containers are resolved once (an unknown name is an error, as in Docker) and then followed by
    // id; without names, the set is listed again at every frame, so containers that start show up.
    const ids = positionals.map((ref) => findContainer(store, ref).id);
    const pick = () => (ids.length > 0 ? reload(store, ids) : listed(store, v.all === true));
    const render = (records: ContainerRecord[], prev: Samples, cur: Samples, clear: boolean) => {
      const rows = records.map((r) => statsRow(r, prev.get(r.id), cur.get(r.id)));
      const lines = format === undefined ? tableLines(rows, v["no-trunc"] === true)
        : formatList(format, rows.map((r) => statsContext(r, v["no-trunc"] === true)), STATS_FORMAT).replace(/\n$/, "").split("\n");
      // On a terminal each frame replaces the last (cursor home, clear screen), as docker stats does.
      out.log(`${clear ? "\x1b[H\x1b[2J" : ""}${lines.join("\n")}`);
    };

    if (v["no-stream"] === true) {
      const records = pick();
      const first = sampleAll(records);
      // CPU % needs two samples; with nothing running there is nothing to measure, so no wait.
      if ([...first.values()].some((s) => s !== undefined)) await Bun.sleep(FIRST_FRAME_MS);
      render(records, first, sampleAll(records), false);
      return 0;
    }
    return stream(pick, render);
  },
});

async function stream(pick: () => ContainerRecord[], render: (r: ContainerRecord[], prev: Samples, cur: Samples, clear: boolean) => void): Promise<number> {
  const clear = isatty(1);
  let interrupted = false;
  let wake: () => void = () => {};
  const onSignal = () => { interrupted = true; wake(); };
  // Ctrl-C ends the stream normally (exit 0), after the current frame.
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    let prev = sampleAll(pick());
    for (let wait = FIRST_FRAME_MS; !interrupted; wait = REFRESH_MS) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => { wake = resolve; timer = setTimeout(resolve, wait); });
      clearTimeout(timer); // a signal woke us: no timer may hold the process after the last frame
      if (interrupted) break;
      const records = pick();
      const cur = sampleAll(records);
      render(records, prev, cur, clear);
      prev = cur;
    }
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function sampleAll(records: ContainerRecord[]): Samples {
  return new Map(records.map((r) => [r.id, sampleContainer(r)]));
}

/** The named containers as they are now; one removed meanwhile drops out of the display. */
function reload(store: ContainerStore, ids: string[]): ContainerRecord[] {
  return ids.flatMap((id) => { try { return [store.load(id)]; } catch { return []; } });
}

function listed(store: ContainerStore, all: boolean): ContainerRecord[] {
  return store.list()
    .filter((r) => all || currentState(r).running)
    .sort((a, b) => b.created.localeCompare(a.created));
}
