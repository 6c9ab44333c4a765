// `minibox image <command>`: Docker's management-command names, each loaded only when used.
import { defineCommandGroup, lazy } from "./command-group.ts";

export default defineCommandGroup("image", "Manage images", {
  inspect: lazy(() => import("./image-inspect.ts")),
  prune: lazy(() => import("./image-prune.ts")),
  ls: lazy(() => import("./images.ts")),
  list: lazy(() => import("./images.ts")),
  rm: lazy(() => import("./rmi.ts")),
  pull: lazy(() => import("./pull.ts")),
  push: lazy(() => import("./push.ts")),
  save: lazy(() => import("./save.ts")),
  load: lazy(() => import("./load.ts")),
  tag: lazy(() => import("./tag.ts")),
  import: lazy(() => import("./import.ts")),
  history: lazy(() => import("./history.ts")),
});
