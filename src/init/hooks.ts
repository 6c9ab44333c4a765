// runtime area, hooks (runtime-cli/hooks.ts says who runs which): the init's side. After its mounts and
// before pivot_root it hands over to `create` for the prestart/createRuntime hooks, then runs the
// createContainer hooks itself, in the container's mount namespace; the startContainer hooks run after
// `start`, right before execve.
import { closeSync, readSync, writeSync } from "node:fs";
import type { Spec } from "../oci/spec.ts";
import { HOOKS_READY } from "../runtime/park-protocol.ts";
import { runHooks, type HookState, type Hooks } from "../runtime-cli/hooks.ts";

const hooksOf = (spec: Spec) => (spec as Spec & { hooks?: Hooks }).hooks;

/** Waits while `create` runs its hooks; returns the state it sent, or throws when it gave up. */
export function handOverForRuntimeHooks(fd: number): HookState {
  writeSync(fd, HOOKS_READY);
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(4096);
  for (let n; (n = readSync(fd, buf)) > 0;) chunks.push(Buffer.from(buf.subarray(0, n)));
  closeSync(fd);
  const text = Buffer.concat(chunks).toString();
  if (text === "") throw new Error("the runtime gave up while running the createRuntime hooks");
  return JSON.parse(text) as HookState;
}

export function runCreateContainerHooks(spec: Spec, state: HookState): void {
  runHooks("createContainer", hooksOf(spec), { ...state, status: "creating" });
}

export function runStartContainerHooks(spec: Spec, state: HookState | undefined): void {
  if (state) runHooks("startContainer", hooksOf(spec), { ...state, status: "created" });
}
