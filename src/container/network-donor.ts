// net-core: --network container:X. The donor must exist and run at create; its init's network namespace
// goes into the spec's path, and at every start namespace-joins.ts opens it again from the donor's
// current record (the same check as --pid/--ipc container:X).
import { UserError } from "../errors.ts";
import { findContainer, NoSuchContainerError } from "./lookup.ts";
import { donorOf } from "./namespace-joins.ts";
import type { ContainerStore } from "./store.ts";

export function resolveNetworkDonor(store: ContainerStore, ref: string): { id: string; pid: number } {
  if (!ref) throw new UserError("invalid container format container:<name|id>");
  try {
    return donorOf(findContainer(store, ref), "network");
  } catch (e) {
    if (e instanceof NoSuchContainerError) throw new UserError(`No such container: ${ref}`);
    throw e;
  }
}
