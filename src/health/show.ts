// How `ps` shows health: Docker's STATUS suffix and the value --filter health= compares with.
import type { ContainerRecord } from "../container/store.ts";
import { ContainerStore } from "../container/store.ts";
import { storeRoot } from "../image/store.ts";
import { effectiveHealth } from "./config.ts";
import { readHealth } from "./state.ts";

function recordedHealth(record: ContainerRecord): string | undefined {
  if (!effectiveHealth(record.healthcheck)) return undefined;
  return readHealth(new ContainerStore(storeRoot()).dir(record.id))?.Status;
}

/** " (healthy)", " (unhealthy)", " (health: starting)", or "" without a health check (docker's State.String). */
export function healthSuffix(record: ContainerRecord): string {
  const status = recordedHealth(record);
  if (status === undefined) return "";
  return status === "starting" ? " (health: starting)" : ` (${status})`;
}

/** starting, healthy, unhealthy, or none for a container without a health check. */
export function healthFilterValue(record: ContainerRecord): string {
  if (!effectiveHealth(record.healthcheck)) return "none";
  return recordedHealth(record) ?? "none"; // never started: moby has no Health yet, and lists it as none
}
