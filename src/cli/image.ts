// `minibox image <command>`: Docker's management-command names, each loaded only when used.
import { defineCommandGroup, lazy, type LazyCommand } from "./command-group.ts";
import { strictFlags } from "./strict-flags.ts";

// compat: every image subcommand refuses unknown flags (strictFlags is a no-op for those using splitArgv)
const strict = (load: () => Promise<{ default: unknown }>): LazyCommand => async () => strictFlags(await lazy(load)());

export default defineCommandGroup("image", "Manage images", {
  inspect: strict(() => import("./image-inspect.ts")),
  prune: strict(() => import("./image-prune.ts")),
  ls: strict(() => import("./images.ts")),
  list: strict(() => import("./images.ts")),
  rm: strict(() => import("./rmi.ts")),
  pull: strict(() => import("./pull.ts")),
  push: strict(() => import("./push.ts")),
  save: strict(() => import("./save.ts")),
  load: strict(() => import("./load.ts")),
  tag: strict(() => import("./tag.ts")),
  import: strict(() => import("./import.ts")),
  history: strict(() => import("./history.ts")),
});
