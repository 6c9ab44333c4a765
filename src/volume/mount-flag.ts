// `--mount type=bind|volume|tmpfs,source=…,target=…,…`: Docker CLI's CSV syntax and checks (its messages,
// wrapped as `invalid argument "…" for "--mount" flag: …`), then the daemon's per-type validation.
import { isAbsolute } from "node:path";
import { UserError } from "../errors.ts";
import { parseBytes } from "../cgroups/units.ts";
import { refuseMountIntoProc } from "../oci/mount-policy.ts";
import { checkContainerPath } from "../oci/container-path.ts";
import { validateVolumeName } from "./names.ts";
import { PROPAGATIONS, type MountRequest, type Propagation } from "./mount-request.ts";

interface Fields {
  type: string;
  source?: string;
  target?: string;
  readonly: boolean;
  propagation?: string;
  nocopy?: boolean;
  volumeOpts: Record<string, string>;
  volumeLabels: Record<string, string>;
  volumeDriver?: string;
  tmpfsSize?: number;
  tmpfsMode?: number;
  /** Which option families were used: Docker refuses mixing them with another type. */
  families: Set<"bind" | "volume" | "tmpfs">;
}

const BOOL_KEYS = new Set(["readonly", "ro", "volume-nocopy", "bind-nonrecursive"]);

function parseBool(key: string, value: string): boolean {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  throw new Error(`invalid value for ${key}: ${value}`);
}

function splitCsv(value: string): string[] {
  // Docker reads the flag as one CSV record: quotes protect commas ("volume-opt=o=a,b" must be quoted).
  const out: string[] = [];
  let cur = "", quoted = false;
  for (const ch of value) {
    if (ch === '"') { quoted = !quoted; continue; }
    if (ch === "," && !quoted) { out.push(cur); cur = ""; continue; }
    cur += ch;
  }
  if (quoted) throw new Error(`parse error: extraneous or missing " in quoted-field`);
  out.push(cur);
  return out;
}

function keyValue(field: string, what: string): [string, string] {
  const eq = field.indexOf("=");
  if (eq <= 0) throw new Error(`invalid ${what}: ${field}`);
  return [field.slice(0, eq), field.slice(eq + 1)];
}

function readFields(value: string): Fields {
  const f: Fields = { type: "volume", readonly: false, volumeOpts: {}, volumeLabels: {}, families: new Set() };
  for (const field of splitCsv(value)) {
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const val = eq < 0 ? undefined : field.slice(eq + 1);
    if (val === undefined && !BOOL_KEYS.has(key)) throw new Error(`invalid field '${field}' must be a key=value pair`);
    switch (key) {
      case "type": f.type = val!.toLowerCase(); break;
      case "source": case "src": f.source = val; break;
      case "target": case "dst": case "destination": f.target = val; break;
      case "readonly": case "ro": f.readonly = val === undefined ? true : parseBool(key, val); break;
      case "consistency": break; // macOS only in Docker; accepted and ignored
      case "bind-propagation": f.families.add("bind"); f.propagation = val!.toLowerCase(); break;
      case "bind-nonrecursive": f.families.add("bind"); throw new Error(`bind-nonrecursive is not supported`);
      case "volume-nocopy": f.families.add("volume"); f.nocopy = val === undefined ? true : parseBool(key, val); break;
      case "volume-driver": f.families.add("volume"); f.volumeDriver = val; break;
      case "volume-opt": { f.families.add("volume"); const [k, v] = keyValue(val!, "volume-opt"); f.volumeOpts[k] = v; break; }
      case "volume-label": { f.families.add("volume"); const [k, v] = keyValue(val!, "volume-label"); f.volumeLabels[k] = v; break; }
      case "tmpfs-size": f.families.add("tmpfs"); f.tmpfsSize = tmpfsSize(val!); break;
      case "tmpfs-mode": f.families.add("tmpfs"); f.tmpfsMode = tmpfsMode(val!); break;
      default: throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!f.target) throw new Error("target is required");
  for (const family of f.families) {
    if (family !== f.type) throw new Error(`cannot mix '${family}-*' options with mount type '${f.type}'`);
  }
  return f;
}

function tmpfsSize(value: string): number {
  try {
    return parseBytes(value, "tmpfs-size");
  } catch {
    throw new Error(`invalid value for tmpfs-size: ${value}`);
  }
}

function tmpfsMode(value: string): number {
  if (!/^[0-7]{1,4}$/.test(value)) throw new Error(`invalid value for tmpfs-mode: ${value}`);
  return parseInt(value, 8);
}

/** The daemon's validation: per type, after the CLI accepted the syntax. */
function toRequest(f: Fields): MountRequest {
  const config = (msg: string) => new UserError(`invalid mount config for type "${f.type}": ${msg}`);
  const target = f.target!;
  if (!isAbsolute(target)) throw config(`invalid mount path: '${target}' mount path must be absolute`);
  if (/^\/+$/.test(target)) throw config(`invalid specification: destination can't be '/'`);
  refuseMountIntoProc(target);
  checkContainerPath(target, (why) => config(`mount path ${why}`).message);
  switch (f.type) {
    case "bind": {
      if (!f.source) throw config("field Source must not be empty");
      if (!isAbsolute(f.source)) throw config(`invalid mount path: '${f.source}' mount path must be absolute`);
      if (f.propagation !== undefined && !(PROPAGATIONS as readonly string[]).includes(f.propagation)) {
        throw config(`invalid propagation mode: ${f.propagation}`);
      }
      return { type: "bind", source: f.source, destination: target, readonly: f.readonly, propagation: f.propagation as Propagation | undefined, createSource: false, mode: "" };
    }
    case "volume": {
      if (f.volumeDriver !== undefined && f.volumeDriver !== "local") throw new UserError(`error looking up volume plugin ${f.volumeDriver}: plugin "${f.volumeDriver}" not found`);
      if (f.source !== undefined && f.source !== "") validateVolumeName(f.source);
      return {
        type: "volume", name: f.source || undefined, destination: target, readonly: f.readonly, nocopy: f.nocopy ?? false,
        driverOptions: f.volumeOpts, labels: f.volumeLabels, mode: "",
      };
    }
    case "tmpfs":
      if (f.source) throw config("field Source must not be specified");
      return { type: "tmpfs", destination: target, readonly: f.readonly, sizeBytes: f.tmpfsSize, mode: f.tmpfsMode };
    default:
      throw new UserError(`invalid mount config for type "${f.type}": mount type unknown`);
  }
}

export function parseMountFlag(value: string): MountRequest {
  let fields: Fields;
  try {
    fields = readFields(value);
  } catch (e) {
    if (e instanceof UserError || !(e instanceof Error)) throw e;
    throw new UserError(`invalid argument "${value}" for "--mount" flag: ${e.message}`);
  }
  return toRequest(fields);
}
