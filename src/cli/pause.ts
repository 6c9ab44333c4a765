import { defineCommand } from "citty";
import { eachContainer } from "./each-container.ts";
import { pauseContainer } from "../container/lifecycle.ts";

export const pause = defineCommand({
  meta: { name: "pause", description: "Pause all processes within one or more containers" },
  run: ({ rawArgs }) => eachContainer(rawArgs, "pause", (store, r) => pauseContainer(store, r, true)),
});

export const unpause = defineCommand({
  meta: { name: "unpause", description: "Unpause all processes within one or more containers" },
  run: ({ rawArgs }) => eachContainer(rawArgs, "unpause", (store, r) => pauseContainer(store, r, false)),
});
