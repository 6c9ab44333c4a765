// `--platform` and the automatic platform ARGs (BUILDPLATFORM, TARGETARCH, …).
import { hostArchitecture } from "../../oci/image-config.ts";
import { BuildError } from "../errors.ts";

export interface Platform { os: string; architecture: string; variant?: string }

export function parsePlatform(spec: string | undefined): Platform {
  if (spec === undefined || spec === "") return { os: "linux", architecture: hostArchitecture() };
  const [os, architecture, variant] = spec.split("/");
  if (!os || !architecture || spec.split("/").length > 3) throw new BuildError(`invalid platform: ${spec} (expected os/arch[/variant])`);
  if (os !== "linux") throw new BuildError(`platform ${spec} is not supported: only linux images can be built`);
  return { os, architecture, ...(variant && { variant }) };
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

export function platformArgs(build: Platform, target: Platform): Map<string, string> {
  return new Map([
    ["BUILDPLATFORM", platformString(build)], ["BUILDOS", build.os], ["BUILDARCH", build.architecture], ["BUILDVARIANT", build.variant ?? ""],
    ["TARGETPLATFORM", platformString(target)], ["TARGETOS", target.os], ["TARGETARCH", target.architecture], ["TARGETVARIANT", target.variant ?? ""],
  ]);
}

/** Usable with --build-arg without an ARG line, and kept out of the image's history. */
export const PROXY_ARGS = new Set([
  "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
]);
