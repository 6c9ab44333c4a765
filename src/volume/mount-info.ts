// What a container has mounted from the user's point of view (inspect's Mounts): stored in its
// config.json as one annotation, so `inspect`, `volume rm` (in use?), `rm -v` and `--volumes-from` read
// the same record the container was started from.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Spec } from "../oci/spec.ts";

export const MOUNTS_ANNOTATION = "org.minibox.mounts";

export interface MountInfo {
  Type: "bind" | "volume" | "tmpfs";
  /** The volume's name (volumes only). */
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** An anonymous volume made for this container: `rm -v` and `run --rm` remove it. */
  Anonymous?: boolean;
}

export function mountInfoOfSpec(spec: Pick<Spec, "annotations"> | undefined): MountInfo[] {
  const text = spec?.annotations?.[MOUNTS_ANNOTATION];
  return text ? (JSON.parse(text) as MountInfo[]) : [];
}

/** The mount records of the container in `dir`; none when its config.json is gone (being removed). */
export function mountInfoOfContainer(dir: string): MountInfo[] {
  let text: string;
  try {
    text = readFileSync(join(dir, "config.json"), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  return mountInfoOfSpec(JSON.parse(text) as Spec);
}

/** What inspect shows: Docker's fields, without our bookkeeping. */
export function inspectMounts(spec: Pick<Spec, "annotations"> | undefined): Record<string, unknown>[] {
  return mountInfoOfSpec(spec).map(({ Anonymous: _anonymous, ...shown }) => shown);
}
