import { defineCommand, type CommandDef } from "citty";

const sub = (load: () => Promise<{ default: unknown }>) => () => load().then((m) => m.default as CommandDef);

// `minibox image <command>`: Docker's management-command names, each loaded only when used.
export default defineCommand({
  meta: { name: "image", description: "Manage images" },
  subCommands: {
    inspect: sub(() => import("./image-inspect.ts")),
    prune: sub(() => import("./image-prune.ts")),
    ls: sub(() => import("./images.ts")),
    list: sub(() => import("./images.ts")),
    rm: sub(() => import("./rmi.ts")),
    pull: sub(() => import("./pull.ts")),
    push: sub(() => import("./push.ts")),
    save: sub(() => import("./save.ts")),
    load: sub(() => import("./load.ts")),
    tag: sub(() => import("./tag.ts")),
    import: sub(() => import("./import.ts")),
  },
});
