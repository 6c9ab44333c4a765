import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { writeStdout } from "./output.ts";
import { UserError } from "../errors.ts";
import { formatEach, hasFormat } from "../format/docker-format.ts";
import { INFO_TEMPLATE, systemInfo } from "../format/system-info.ts";
import { containerStore } from "./each-container.ts";
import { currentState } from "../container/status.ts";
import { ImageStore, storeRoot } from "../image/store.ts";
import { detectLayout } from "../cgroups/detect.ts";
import { binarySize } from "./stats-format.ts";

// compat: `info [--format]`, Docker's keys
const args = {
  format: { type: "string", alias: "f", description: "Format output using a Go template, or json" },
} as const;

export default defineCommand({
  meta: { name: "info", description: "Display system-wide information" },
  args,
  async run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity);
    if (positionals.length) throw new UserError('"info" accepts no arguments', 1);
    const states = containerStore().list().map((r) => currentState(r).status);
    const images = (await new ImageStore().listAll()).images.length;
    const counts = {
      containers: states.length, running: states.filter((s) => s === "running").length, paused: states.filter((s) => s === "paused").length,
      stopped: states.filter((s) => s !== "running" && s !== "paused").length, images,
    };
    const info = systemInfo(counts, storeRoot(), String(detectLayout().version));
    const format = values.format;
    if (format === "json") writeStdout(formatEach("{{json .}}", [info]));
    else if (hasFormat(format)) writeStdout(formatEach(format, [info]));
    else writeStdout(formatEach(INFO_TEMPLATE, [{ ...info, MemTotalHuman: binarySize(info.MemTotal as number) }]));
    return 0;
  },
});
