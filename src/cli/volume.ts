// `minibox volume <command>`: Docker's names, each loaded only when used.
import { defineCommandGroup, lazy } from "./command-group.ts";

export default defineCommandGroup("volume", "Manage volumes", {
  create: lazy(() => import("./volume-create.ts")),
  ls: lazy(() => import("./volume-ls.ts")),
  list: lazy(() => import("./volume-ls.ts")),
  inspect: lazy(() => import("./volume-inspect.ts")),
  rm: lazy(() => import("./volume-rm.ts")),
  remove: lazy(() => import("./volume-rm.ts")),
  prune: lazy(() => import("./volume-prune.ts")),
});
