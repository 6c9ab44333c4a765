// Where a registry host is reached: Docker Hub's API host for docker.io, https everywhere except on
// loopback and for hosts listed in MINIBOX_INSECURE_REGISTRIES (comma-separated host[:port]).
import { DEFAULT_DOMAIN } from "../reference.ts";

export const DOCKER_HUB_API = "registry-1.docker.io";

function hostOf(hostPort: string): string {
  if (hostPort.startsWith("[")) return hostPort.slice(1, hostPort.indexOf("]"));
  const colon = hostPort.lastIndexOf(":");
  return colon === -1 ? hostPort : hostPort.slice(0, colon);
}

export function isLoopback(hostPort: string): boolean {
  const host = hostOf(hostPort).toLowerCase();
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

export function insecureRegistries(env = process.env.MINIBOX_INSECURE_REGISTRIES): string[] {
  return (env ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
}

export function usesPlainHttp(domain: string, env = process.env.MINIBOX_INSECURE_REGISTRIES): boolean {
  const d = domain.toLowerCase();
  const list = insecureRegistries(env);
  return isLoopback(d) || list.includes(d) || list.includes(hostOf(d));
}

/** "https://registry-1.docker.io" for docker.io, "http://127.0.0.1:5000" for a loopback one. */
export function registryBaseUrl(domain: string): string {
  const host = domain === DEFAULT_DOMAIN ? DOCKER_HUB_API : domain;
  return `${usesPlainHttp(domain) ? "http" : "https"}://${host}`;
}
