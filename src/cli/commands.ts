import type { CommandDef } from "citty";
import { strictFlags } from "./strict-flags.ts"; // compat: citty-parsed commands refuse unknown flags

// Lazy so that `minibox run` does not parse the code of every other command.
export const commands: Record<string, () => Promise<CommandDef>> = {
  run: () => import("./run.ts").then((m) => m.default as CommandDef),
  load: () => import("./load.ts").then((m) => strictFlags(m.default as CommandDef)),
  import: () => import("./import.ts").then((m) => strictFlags(m.default as CommandDef)),
  images: () => import("./images.ts").then((m) => m.default as CommandDef),
  rmi: () => import("./rmi.ts").then((m) => strictFlags(m.default as CommandDef)),
  tag: () => import("./tag.ts").then((m) => strictFlags(m.default as CommandDef)),
  pull: () => import("./pull.ts").then((m) => strictFlags(m.default as CommandDef)),
  push: () => import("./push.ts").then((m) => strictFlags(m.default as CommandDef)),
  login: () => import("./login.ts").then((m) => strictFlags(m.default as CommandDef)),
  logout: () => import("./logout.ts").then((m) => strictFlags(m.default as CommandDef)),
  save: () => import("./save.ts").then((m) => strictFlags(m.default as CommandDef)),
  image: () => import("./image.ts").then((m) => m.default as CommandDef),
  exec: () => import("./exec.ts").then((m) => m.default as CommandDef),
  logs: () => import("./logs.ts").then((m) => m.default as CommandDef),
  create: () => import("./create.ts").then((m) => m.default as CommandDef),
  start: () => import("./start.ts").then((m) => m.default as CommandDef),
  stop: () => import("./stop.ts").then((m) => m.default as CommandDef),
  restart: () => import("./restart.ts").then((m) => m.default as CommandDef),
  kill: () => import("./kill.ts").then((m) => m.default as CommandDef),
  rm: () => import("./rm.ts").then((m) => m.default as CommandDef),
  wait: () => import("./wait.ts").then((m) => m.default as CommandDef),
  ps: () => import("./ps.ts").then((m) => m.default as CommandDef),
  inspect: () => import("./inspect.ts").then((m) => m.default as CommandDef),
  pause: () => import("./pause.ts").then((m) => m.pause as CommandDef),
  unpause: () => import("./pause.ts").then((m) => m.unpause as CommandDef),
  rename: () => import("./rename.ts").then((m) => m.default as CommandDef),
  stats: () => import("./stats.ts").then((m) => m.default as CommandDef),
  update: () => import("./update.ts").then((m) => m.default as CommandDef),
  container: () => import("./container.ts").then((m) => m.default as CommandDef),
  // net-core
  network: () => import("./network.ts").then((m) => m.default as CommandDef),
  port: () => import("./port.ts").then((m) => m.default as CommandDef),
  // image-store (#9): minibox system check [--repair]
  system: () => import("./system.ts").then((m) => m.default as CommandDef),
  volume: () => import("./volume.ts").then((m) => m.default as CommandDef), // volumes
  build: () => import("./build.ts").then((m) => m.default as CommandDef), // build (issue 12)
  builder: () => import("./builder.ts").then((m) => m.default as CommandDef), // build (issue 12)
  // files: copy in and out, diff, export, commit, history
  cp: () => import("./cp.ts").then((m) => strictFlags(m.default as CommandDef)),
  diff: () => import("./diff.ts").then((m) => m.default as CommandDef),
  export: () => import("./export.ts").then((m) => strictFlags(m.default as CommandDef)),
  commit: () => import("./commit.ts").then((m) => strictFlags(m.default as CommandDef)),
  history: () => import("./history.ts").then((m) => m.default as CommandDef),
  // compat: Docker's info and version, with --format
  info: () => import("./info.ts").then((m) => m.default as CommandDef),
  version: () => import("./version.ts").then((m) => m.default as CommandDef),
  top: () => import("./top.ts").then((m) => m.default as CommandDef),
  // compat-cli: a shell completion script generated from these definitions
  completion: () => import("./completion.ts").then((m) => strictFlags(m.default as CommandDef)),
  attach: () => import("./attach.ts").then((m) => m.default as CommandDef), // compat-run
  // compat-sys: the engine event log
  events: () => import("./events.ts").then((m) => m.default as CommandDef),
};
