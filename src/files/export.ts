// `export`: the container's merged filesystem (its layers and upper dir, without volumes or the mounts
// of a running container) as a tar, read through a read-only detached overlay (container-root.ts).
import type { ContainerRecord, ContainerStore } from "../container/store.ts";
import { openContainerRoot } from "./container-root.ts";
import { walkTree } from "./walk.ts";
import { packTar } from "./pack.ts";

export async function* exportContainer(store: ContainerStore, record: ContainerRecord): AsyncGenerator<Uint8Array> {
  const root = await openContainerRoot(store, record, "export");
  try {
    yield* packTar(walkTree(root.fd, ""));
  } finally {
    root.close();
  }
}
