// Docker's multi-container commands (`stop a b c`): act on each, print what it acted on, report every
// failure on its own line and exit 1 if any failed.
import { storeRoot } from "../image/store.ts";
import { ContainerStore, type ContainerRecord } from "../container/store.ts";
import { findContainer } from "../container/lookup.ts";
import { describeError } from "./report.ts";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";

export function containerStore(): ContainerStore {
  return new ContainerStore(storeRoot());
}

export async function eachContainer(
  refs: string[], what: string, act: (store: ContainerStore, record: ContainerRecord) => Promise<void> | void,
  /** compat: errors that are reported but do not make the command fail (rm -f of a missing container) */
  tolerated?: (e: unknown) => boolean,
): Promise<number> {
  if (refs.length === 0) throw new UserError(`"${what}" requires at least 1 argument`);
  const store = containerStore();
  let failed = false;
  for (const ref of refs) {
    try {
      await act(store, findContainer(store, ref));
    } catch (e) {
      out.error(describeError(e));
      if (!tolerated?.(e)) failed = true;
      continue;
    }
    out.log(ref); // outside the catch: a closed stdout ends the command (output.ts), it is no failure of `ref`
  }
  return failed ? 1 : 0;
}
