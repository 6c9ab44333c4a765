// `export`: the container's merged filesystem (its layers and upper dir, without volumes or the mounts
// of a running container) as a tar, read through a read-only detached overlay (container-root.ts).
import type { ContainerRecord, ContainerStore } from "../container/store.ts";
import { writeTar } from "../image/tar/writer.ts";
import { openContainerRoot } from "./container-root.ts";
import { walkTree } from "./walk.ts";

export async function* exportContainer(store: ContainerStore, record: ContainerRecord): AsyncGenerator<Uint8Array> {
  const root = openContainerRoot(store, record, "export");
  try {
    yield* writeTar(walkTree(root.fd, ""));
  } finally {
    root.close();
  }
}
