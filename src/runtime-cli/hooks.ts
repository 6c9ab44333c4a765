// OCI hooks (runtime-spec config.md "POSIX-platform Hooks"). Who runs which, and when:
//   prestart, createRuntime  `create`, in the runtime's namespaces, once the init has made its mounts and
//                            before it pivots (the init waits on the hooks socket, see init/hooks.ts);
//   createContainer          the init, in the container's mount namespace, still before pivot_root;
//   startContainer           the init, after `start` released it and right before execve;
//   poststart                `start`, once the init has exec'd the command (a failure only warns);
//   poststop                 `delete`, once the container is gone (a failure only warns).
// Each hook gets the container's state JSON on stdin, its own args and env, and is killed (and fails)
// when it outlives its timeout. Shared by both sides, so it imports nothing heavy.
import { isAbsolute } from "node:path";
import { RuntimeError } from "./errors.ts";

export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  /** Seconds. */
  timeout?: number;
}

export const HOOK_KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"] as const;
export type HookKind = (typeof HOOK_KINDS)[number];
export type Hooks = Partial<Record<HookKind, Hook[]>>;

/** The runtime-spec state as hooks receive it. */
export interface HookState {
  ociVersion: string;
  id: string;
  status: "creating" | "created" | "running" | "stopped";
  pid?: number;
  bundle: string;
  annotations: Record<string, string>;
}

export class HookError extends RuntimeError {}

/** config.json's hooks, checked before anything is created: unknown kinds and malformed entries are refused. */
export function checkHooks(value: unknown): Hooks | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw new RuntimeError("config.json: hooks must be an object");
  for (const [kind, list] of Object.entries(value)) {
    if (!(HOOK_KINDS as readonly string[]).includes(kind)) throw new RuntimeError(`config.json: hooks.${kind} is not a hook kind`);
    if (!Array.isArray(list)) throw new RuntimeError(`config.json: hooks.${kind} must be an array`);
    list.forEach((h: Hook, i) => {
      const where = `config.json: hooks.${kind}[${i}]`;
      if (typeof h?.path !== "string" || !isAbsolute(h.path)) throw new RuntimeError(`${where}.path must be an absolute path`);
      if (h.args !== undefined && !(Array.isArray(h.args) && h.args.every((a) => typeof a === "string"))) throw new RuntimeError(`${where}.args must be strings`);
      if (h.env !== undefined && !(Array.isArray(h.env) && h.env.every((e) => typeof e === "string" && e.includes("=")))) throw new RuntimeError(`${where}.env must be KEY=VALUE strings`);
      if (h.timeout !== undefined && !(Number.isInteger(h.timeout) && h.timeout > 0)) throw new RuntimeError(`${where}.timeout must be a positive number of seconds`);
    });
  }
  return value as Hooks;
}

export function hasHooks(hooks: Hooks | undefined, ...kinds: HookKind[]): boolean {
  return kinds.some((k) => (hooks?.[k]?.length ?? 0) > 0);
}

/** Runs the hooks of one kind in order; the first that fails (exit status, signal, timeout) throws. */
export function runHooks(kind: HookKind, hooks: Hooks | undefined, state: HookState): void {
  const input = Buffer.from(JSON.stringify(state));
  (hooks?.[kind] ?? []).forEach((hook, i) => runHook(kind, i, hook, input));
}

/** As runHooks, but a failure is only reported through `warn` and the next hook still runs (poststart, poststop). */
export function runHooksWarning(kind: HookKind, hooks: Hooks | undefined, state: HookState, warn: (message: string) => void): void {
  const input = Buffer.from(JSON.stringify(state));
  (hooks?.[kind] ?? []).forEach((hook, i) => {
    try {
      runHook(kind, i, hook, input);
    } catch (e) {
      if (!(e instanceof HookError)) throw e;
      warn(e.message);
    }
  });
}

function runHook(kind: HookKind, index: number, hook: Hook, input: Buffer): void {
  const args = hook.args && hook.args.length > 0 ? hook.args : [hook.path];
  let result;
  try {
    result = Bun.spawnSync([hook.path, ...args.slice(1)], {
      argv0: args[0],
      // As runc (Go's exec.Cmd with a nil Env): no env given means the runtime's own environment.
      env: hook.env ? envObject(hook.env) : { ...process.env },
      stdin: input, stdout: "pipe", stderr: "pipe",
      timeout: hook.timeout !== undefined ? hook.timeout * 1000 : undefined,
      killSignal: "SIGKILL",
    });
  } catch (e) {
    throw new HookError(`${kind} hook #${index} (${hook.path}): ${(e as Error).message}`);
  }
  if (result.exitedDueToTimeout) throw new HookError(`${kind} hook #${index} (${hook.path}) ran into its timeout of ${hook.timeout}s and was killed`);
  if (result.success) return;
  const why = result.signalCode ? `killed by ${result.signalCode}` : `exit status ${result.exitCode}`;
  const output = `${result.stdout.toString()}${result.stderr.toString()}`.trim().split("\n").slice(-3).join("; ");
  throw new HookError(`${kind} hook #${index} (${hook.path}) failed: ${why}${output ? `, output: ${output}` : ""}`);
}

function envObject(env: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const eq = e.indexOf("=");
    out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}
