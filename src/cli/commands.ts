import type { CommandDef } from "citty";

// Lazy so that `minibox run` does not parse the code of every other command.
export const commands: Record<string, () => Promise<CommandDef>> = {
  run: () => import("./run.ts").then((m) => m.default as CommandDef),
  load: () => import("./load.ts").then((m) => m.default as CommandDef),
  import: () => import("./import.ts").then((m) => m.default as CommandDef),
  images: () => import("./images.ts").then((m) => m.default as CommandDef),
  rmi: () => import("./rmi.ts").then((m) => m.default as CommandDef),
  tag: () => import("./tag.ts").then((m) => m.default as CommandDef),
  pull: () => import("./pull.ts").then((m) => m.default as CommandDef),
  push: () => import("./push.ts").then((m) => m.default as CommandDef),
  login: () => import("./login.ts").then((m) => m.default as CommandDef),
  logout: () => import("./logout.ts").then((m) => m.default as CommandDef),
  save: () => import("./save.ts").then((m) => m.default as CommandDef),
  image: () => import("./image.ts").then((m) => m.default as CommandDef),
};
