// What lifecycle code calls: one line per call site. Recording an event must never fail the action it
// describes (the container did stop even when the disk is full), so a failed append is reported on
// stderr once and otherwise ignored.
import { appendEvent } from "./log.ts";
import { makeEvent, type EventType } from "./types.ts";

function storeRootOf(root?: string): string {
  return root ?? (process.env.MINIBOX_ROOT || "/var/lib/minibox");
}

let warned = false;

export function emitEvent(type: EventType, action: string, id: string, attributes: Record<string, string>, root?: string): void {
  try {
    appendEvent(storeRootOf(root), makeEvent(type, action, id, attributes));
  } catch (e) {
    // Deliberately broad: any failure to record is reported, and the action goes on.
    if (!warned) process.stderr.write(`minibox: could not record a ${type} ${action} event: ${e instanceof Error ? e.message : String(e)}\n`);
    warned = true;
  }
}

interface ContainerLike { id: string; name: string; imageName: string; labels?: Record<string, string> }

/** A container event with Docker's attributes: its labels, image and name, plus `extra`. */
export function emitContainerEvent(root: string | undefined, record: ContainerLike, action: string, extra: Record<string, string> = {}): void {
  emitEvent("container", action, record.id, { ...(record.labels ?? {}), image: record.imageName, name: record.name, ...extra }, root);
}

export function emitImageEvent(action: string, id: string, name: string, root?: string): void {
  emitEvent("image", action, id, { name }, root);
}

export function emitNetworkEvent(action: string, network: { id: string; name: string; driver?: string }, extra: Record<string, string> = {}, root?: string): void {
  emitEvent("network", action, network.id, { name: network.name, type: network.driver ?? "bridge", ...extra }, root);
}

export function emitVolumeEvent(action: string, name: string, extra: Record<string, string> = {}, root?: string): void {
  emitEvent("volume", action, name, { driver: "local", ...extra }, root);
}

/** Docker's volume mount/unmount events for the volumes a container's bundle lists (at start and exit). */
export function emitVolumeMounts(root: string, containerId: string, mounts: readonly { Type: string; Name?: string; Destination: string; RW: boolean; Propagation: string }[], action: "mount" | "unmount"): void {
  for (const m of mounts) {
    if (m.Type !== "volume" || !m.Name) continue;
    const extra: Record<string, string> = action === "mount"
      ? { container: containerId, destination: m.Destination, propagation: m.Propagation, "read/write": String(m.RW) }
      : { container: containerId };
    emitVolumeEvent(action, m.Name, extra, root);
  }
}
