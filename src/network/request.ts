// What a container asked for with --network/-p/-P/--expose/--network-alias/--ip, validated at create and
// carried to start in the bundle's config.json (an annotation), so that start needs no other file.
import { UserError } from "../errors.ts";
import { parseIPv4 } from "./subnet.ts";
import { parseExpose, parsePublish, publishAll, type PortRequest } from "./ports.ts";

export const NETWORK_ANNOTATION = "org.minibox.network";

export type NetworkMode = "bridge" | "none" | "host" | "container" | "user";

export interface NetworkRequest {
  mode: NetworkMode;
  /** The network's name for "bridge" and "user" modes. */
  network?: string;
  /** The donor container (name or id) for "container:X". */
  container?: string;
  aliases: string[];
  ip?: string;
  ports: PortRequest[];
  /** "80/tcp" keys: the image's ExposedPorts and --expose (inspect's Config.ExposedPorts). */
  exposed: string[];
  /** net-finish: networks `network connect` added while the container was not running (joined at start). */
  extra?: ExtraNetwork[];
}

/** A pending `network connect`: the network's id (its name as given, for messages), the --alias and --ip. */
export interface ExtraNetwork { network: string; name?: string; aliases: string[]; ip?: string }

export interface NetworkFlags {
  network?: string;
  publish: string[];
  publishAll: boolean;
  expose: string[];
  aliases: string[];
  ip?: string;
  /** For --network container:X, resolved by create: the running donor (its id and init pid). */
  donor?: { id: string; pid: number };
}

/** Flags → request; `imageExposed` are the keys of the image's ExposedPorts. */
export function networkRequest(flags: NetworkFlags, imageExposed: readonly string[] = []): NetworkRequest {
  const value = flags.network ?? "bridge";
  let mode: NetworkMode, network: string | undefined, container: string | undefined;
  if (value === "bridge" || value === "default") { mode = "bridge"; network = "bridge"; }
  else if (value === "none" || value === "host") mode = value;
  else if (value.startsWith("container:")) {
    mode = "container";
    container = value.slice("container:".length);
    if (!container) throw new UserError(`invalid container format container:<name|id>`);
  } else if (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(value)) { mode = "user"; network = value; }
  else throw new UserError(`network ${value} not found`);

  const explicit = flags.publish.flatMap(parsePublish);
  const exposed = [...new Set([...imageExposed.flatMap(parseExpose), ...flags.expose.flatMap(parseExpose), ...explicit.map((p) => `${p.containerPort}/${p.protocol}`)])];
  const ports = flags.publishAll ? [...explicit, ...publishAll(exposed, explicit)] : explicit;

  if (mode !== "bridge" && mode !== "user") {
    if (ports.length > 0 && mode !== "host") throw new UserError(`conflicting options: port publishing and the container type network mode`);
    if (flags.aliases.length > 0) throw new UserError("network-scoped aliases are only supported for user-defined networks");
    if (flags.ip) throw new UserError("user specified IP address is supported on user defined networks only");
  }
  if (mode === "bridge" && flags.aliases.length > 0) throw new UserError("network-scoped aliases are only supported for user-defined networks");
  if (mode === "bridge" && flags.ip) throw new UserError("user specified IP address is supported on user defined networks only");
  if (flags.ip !== undefined && parseIPv4(flags.ip) === undefined) throw new UserError(`invalid IPv4 address: ${flags.ip}`);
  // Docker ignores published ports in host mode (with a warning); so do we, by publishing nothing.
  return { mode, network, container, aliases: flags.aliases, ip: flags.ip, ports: mode === "host" ? [] : ports, exposed };
}

export function requestFromAnnotations(annotations: Record<string, string> | undefined): NetworkRequest {
  const raw = annotations?.[NETWORK_ANNOTATION];
  // A container created before networking existed had only its own empty namespace: keep it that way.
  if (!raw) return { mode: "none", aliases: [], ports: [], exposed: [] };
  return JSON.parse(raw) as NetworkRequest;
}

/**
 * dns-wire: whether the container gets a network of its own at start (bridge or user network), whose
 * gateway `--add-host NAME:host-gateway` then stands for; --network none|host|container:X do not.
 */
export function gatewayKnownAtStart(network: string | undefined): boolean {
  const value = network ?? "bridge";
  return value !== "none" && value !== "host" && !value.startsWith("container:");
}
