// `minibox build`: a thin adapter over src/build/ (flags → BuildRequest, progress lines to stderr,
// the image id to stdout with -q, --iidfile).
import { defineCommand, type ArgsDef } from "citty";
import { writeFileSync } from "node:fs";
import { UserError } from "../errors.ts";
import { splitArgv } from "./argv.ts";
import { trace } from "../trace.ts";
import type { BuildProgress } from "../build/progress/types.ts";

const args = {
  tag: { type: "string", alias: "t", description: "Name and optionally a tag (name:tag), repeatable" },
  file: { type: "string", alias: "f", description: "Name of the Dockerfile (default: CONTEXT/Dockerfile; '-' for stdin)" },
  "build-arg": { type: "string", description: "Set build-time variables KEY=VALUE (repeatable)" },
  target: { type: "string", description: "Set the target build stage to build" },
  "no-cache": { type: "boolean", description: "Do not use cache when building the image" },
  pull: { type: "boolean", description: "Always attempt to pull a newer version of the base images" },
  platform: { type: "string", description: "Set the target platform (linux/<arch>)" },
  label: { type: "string", description: "Set metadata for the image KEY=VALUE (repeatable)" },
  network: { type: "string", description: "Networking mode for RUN: default or bridge (the default bridge network), none or host" },
  progress: { type: "string", description: "Progress output: auto, plain or tty" },
  quiet: { type: "boolean", alias: "q", description: "Suppress the build output and print the image ID on success" },
  iidfile: { type: "string", description: "Write the image ID to the file" },
  output: { type: "string", alias: "o", description: "Also export the image: type=oci|docker,dest=FILE.tar" },
} as const satisfies ArgsDef;

const REPEATABLE = ["tag", "build-arg", "label"];

/** `--output type=docker|oci,dest=FILE` (BuildKit's syntax for the two archive exporters). */
function parseOutput(spec: string): { format: "docker-archive" | "oci-archive"; dest: string } {
  const fields = new Map(spec.split(",").map((f) => [f.slice(0, f.indexOf("=") < 0 ? f.length : f.indexOf("=")), f.slice(f.indexOf("=") + 1)] as const));
  const type = fields.get("type");
  const dest = fields.get("dest");
  if (type !== "docker" && type !== "oci") throw new UserError(`invalid --output: ${spec}: only type=docker and type=oci are supported`);
  if (!dest || dest === "-") throw new UserError(`invalid --output: ${spec}: dest=FILE is required`);
  return { format: type === "docker" ? "docker-archive" : "oci-archive", dest };
}

function keyValues(list: string[], flag: string, fromEnv: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of list) {
    const eq = kv.indexOf("=");
    if (eq === 0) throw new UserError(`invalid argument "${kv}" for "--${flag}" flag: key can not be empty`);
    if (eq < 0) {
      // `--build-arg KEY` takes the value from the environment, as Docker does; dropped when unset.
      const v = fromEnv ? process.env[kv] : "";
      if (v !== undefined) out.set(kv, v);
      continue;
    }
    out.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return out;
}

/** `auto` is the updating display when stderr is a terminal, plain lines otherwise (Docker's rule). */
async function chooseProgress(mode: string): Promise<BuildProgress> {
  const write = (text: string | Uint8Array) => process.stderr.write(text);
  const warn = (line: string) => process.stderr.write(`${line}\n`);
  if (mode === "quiet") return (await import("../build/progress/types.ts")).quietProgress(warn);
  const { getWinsize, isatty } = await import("../sys/tty.ts");
  const terminal = isatty(2);
  if (mode === "tty" || (mode === "auto" && terminal)) {
    const { ttyProgress } = await import("../build/progress/tty.ts");
    const size = () => (terminal ? getWinsize(2) : { rows: 24, cols: 80 });
    return ttyProgress({
      write, now: () => performance.now() / 1000, columns: () => size().cols || 80, rows: () => size().rows || 24,
      every: (ms, tick) => {
        const timer = setInterval(tick, ms);
        timer.unref();
        return () => clearInterval(timer);
      },
    });
  }
  return (await import("../build/progress/plain.ts")).plainProgress(write);
}

export default defineCommand({
  meta: { name: "build", description: "Build an image from a Dockerfile" },
  args,
  async run({ rawArgs }) {
    const { values, positionals } = splitArgv(rawArgs, args, Infinity, REPEATABLE);
    if (positionals.length !== 1) throw new UserError(`"minibox build" requires exactly 1 argument (build [OPTIONS] PATH | -)`);
    const list = (k: string) => (values[k] as string[] | undefined) ?? [];
    const str = (k: string) => values[k] as string | undefined;
    const quiet = values.quiet === true;
    const progress = str("progress") ?? "auto";
    if (!["auto", "plain", "tty", "quiet", "rawjson"].includes(progress)) throw new UserError(`invalid progress mode: ${progress} (auto, plain or tty)`);
    const network = str("network") ?? "default";
    if (!["default", "bridge", "none", "host"].includes(network)) throw new UserError(`network mode "${network}" not supported by minibox build (default, bridge, none or host)`);
    const output = str("output") !== undefined ? parseOutput(str("output")!) : undefined;
    const { parseReference } = await import("../image/reference.ts");
    for (const t of list("tag")) {
      try {
        parseReference(t);
      } catch (error) {
        throw new UserError(`invalid argument "${t}" for "-t, --tag" flag: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const [{ ImageStore }, { openContext }, { buildImage }] = await Promise.all([
      import("../image/store.ts"), import("../build/context/context.ts"), import("../build/executor/build.ts"),
    ]);
    const store = new ImageStore();
    trace("build: modules loaded");
    const context = await openContext({
      context: positionals[0]!, ...(str("file") !== undefined && { file: str("file") }),
      stdin: async () => new Uint8Array(await Bun.stdin.arrayBuffer()), tmpDir: store.tmpDir(),
    });
    const silent = quiet || progress === "quiet";
    const shown = await chooseProgress(silent ? "quiet" : progress);
    let ok = false;
    // Should the build ever wait on something that can never happen, Bun ends the process when its
    // event loop runs empty: that must not read as a success (the command's return value replaces this).
    process.exitCode = 1;
    try {
      const image = await buildImage({
        store, context, buildArgs: keyValues(list("build-arg"), "build-arg", true), labels: Object.fromEntries(keyValues(list("label"), "label", false)),
        ...(str("target") !== undefined && { target: str("target") }), ...(str("platform") !== undefined && { platform: str("platform") }),
        noCache: values["no-cache"] === true, pull: values.pull === true, network: network === "host" || network === "none" ? network : "bridge", tags: list("tag"),
        progress: shown,
      });
      ok = true;
      trace("build: image committed");
      shown.finish(true);
      if (output) {
        const { saveToFile } = await import("../image/save.ts");
        await saveToFile(store, [list("tag")[0] ?? image.id], output.format, output.dest);
      }
      const iidfile = str("iidfile");
      if (iidfile !== undefined) writeFileSync(iidfile, image.id);
      if (quiet) process.stdout.write(`${image.id}\n`);
      else {
        process.stderr.write(`writing image ${image.id} done\n`);
        for (const t of list("tag")) process.stderr.write(`naming to ${t} done\n`);
      }
      return 0;
    } catch (error) {
      // The last lines of a failed RUN were not shown with -q: print them after the one-line error.
      if (silent && error instanceof Error && error.message.includes("\n")) process.stderr.write(`${error.message.split("\n").slice(1).join("\n")}\n`);
      throw error;
    } finally {
      if (!ok) shown.finish(false);
      context.dispose();
    }
  },
});
