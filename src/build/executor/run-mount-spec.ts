// `RUN --mount=…`: BuildKit's comma-separated key=value syntax → a typed mount, validated before any
// step runs. Secrets and ssh agents are refused (minibox build has no way to pass them in).
import { posix } from "node:path";
import { BuildError } from "../errors.ts";

export type Sharing = "shared" | "locked" | "private";

export interface CacheMount { type: "cache"; target: string; id: string; sharing: Sharing; uid: number; gid: number; mode: number; readonly: boolean }
export interface BindMount { type: "bind"; target: string; source: string; from?: string; readonly: boolean }
export interface TmpfsMount { type: "tmpfs"; target: string; sizeBytes?: number }
export type RunMount = CacheMount | BindMount | TmpfsMount;

const KEYS: Record<RunMount["type"], string[]> = {
  cache: ["target", "id", "sharing", "uid", "gid", "mode", "readonly", "ro", "rw", "readwrite", "from", "source", "src"],
  bind: ["target", "source", "src", "from", "readonly", "ro", "rw", "readwrite"],
  tmpfs: ["target", "size"],
};

const ALIASES: Record<string, string> = { dst: "target", destination: "target", src: "source", ro: "readonly", readwrite: "rw" };

function bool(key: string, value: string | undefined): boolean {
  if (value === undefined || value === "true") return true;
  if (value === "false") return false;
  throw new BuildError(`invalid value for ${key}: ${value}`);
}

function int(key: string, value: string, radix: number): number {
  const n = Number.parseInt(value, radix);
  if (!(radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/).test(value) || !Number.isSafeInteger(n)) throw new BuildError(`invalid value for ${key}: ${value}`);
  return n;
}

/** `workdir` makes a relative target absolute, as BuildKit does. */
export function parseRunMount(spec: string, workdir: string): RunMount {
  const fields = new Map<string, string | undefined>();
  for (const field of spec.split(",")) {
    if (field === "") continue;
    const eq = field.indexOf("=");
    const raw = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const key = ALIASES[raw] ?? raw;
    fields.set(key, eq < 0 ? undefined : field.slice(eq + 1));
  }
  const type = fields.get("type") ?? "bind";
  fields.delete("type");
  if (type === "secret" || type === "ssh") throw new BuildError(`RUN --mount=type=${type} is not supported by minibox build (no secrets or ssh agent can be passed in)`);
  if (type !== "cache" && type !== "bind" && type !== "tmpfs") throw new BuildError(`unsupported mount type: ${type}`);
  for (const key of fields.keys()) {
    if (!KEYS[type].includes(key)) throw new BuildError(`unexpected key '${key}' in '${spec}'`);
  }
  const rawTarget = fields.get("target");
  if (!rawTarget) throw new BuildError(`mount target must be specified: --mount=${spec}`);
  const target = posix.resolve(workdir || "/", rawTarget);
  if (target === "/") throw new BuildError(`invalid mount target: ${rawTarget}: cannot mount on /`);
  const readonly = fields.has("rw") ? !bool("rw", fields.get("rw")) : fields.has("readonly") ? bool("readonly", fields.get("readonly")) : undefined;
  if (type === "tmpfs") {
    const size = fields.get("size");
    return { type, target, ...(size !== undefined && { sizeBytes: int("size", size, 10) }) };
  }
  if (type === "bind") {
    const from = fields.get("from");
    // Read-only unless rw: writes then go to a scratch layer, thrown away after the step (BuildKit's rule).
    return { type, target, source: fields.get("source") ?? "/", ...(from !== undefined && from !== "" && { from }), readonly: readonly ?? true };
  }
  if (fields.get("from") !== undefined || fields.get("source") !== undefined) throw new BuildError(`RUN --mount=type=cache,from=… is not supported by minibox build`);
  const sharing = fields.get("sharing") ?? "shared";
  if (sharing !== "shared" && sharing !== "locked" && sharing !== "private") throw new BuildError(`unsupported sharing value "${sharing}"`);
  const mode = fields.get("mode");
  return {
    type, target, id: fields.get("id") || target, sharing,
    uid: fields.get("uid") !== undefined ? int("uid", fields.get("uid")!, 10) : 0,
    gid: fields.get("gid") !== undefined ? int("gid", fields.get("gid")!, 10) : 0,
    mode: mode !== undefined ? int("mode", mode, 8) & 0o7777 : 0o755,
    readonly: readonly ?? false,
  };
}
