// What every runtime command gets from runc's global flags.
import { RuntimeStore } from "./store.ts";

export interface RuntimeContext {
  store: RuntimeStore;
  systemdCgroup: boolean;
  debug: boolean;
  /** Where runc's warnings and debug lines go (--log); errors are also printed on stderr. */
  log(level: "debug" | "warning" | "error", message: string): void;
}

export { RuntimeStore };
