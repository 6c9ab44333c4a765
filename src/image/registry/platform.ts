// --platform parsing and the choice of one manifest from an index, as Docker makes it: os and
// architecture must match; a variant, when asked for, must match too (arm64 defaults to v8).
import { hostArchitecture } from "../../oci/image-config.ts";
import { InvalidPlatformError } from "./errors.ts";
import type { Descriptor, Platform } from "./media-types.ts";

const ARCH_ALIASES: Record<string, string> = { x86_64: "amd64", "x86-64": "amd64", aarch64: "arm64", armhf: "arm", armel: "arm", i386: "386" };

export function parsePlatform(input: string | undefined): Platform {
  if (input === undefined || input === "") return { os: "linux", architecture: hostArchitecture() };
  const parts = input.toLowerCase().split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) throw new InvalidPlatformError(input);
  const [os, rawArch, variant] = parts as [string, string, string | undefined];
  const architecture = ARCH_ALIASES[rawArch] ?? rawArch;
  return { os, architecture, ...(variant !== undefined && { variant }) };
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

function normalVariant(p: { architecture: string; variant?: string }): string | undefined {
  if (p.architecture === "arm64" && (p.variant === undefined || p.variant === "v8")) return "v8";
  return p.variant;
}

/** The index entry for `want`, or undefined. Attestation manifests (platform unknown/unknown) never match. */
export function selectManifest(manifests: Descriptor[], want: Platform): Descriptor | undefined {
  const candidates = manifests.filter((d) => {
    const p = d.platform;
    if (!p) return false;
    if (p.os !== want.os || p.architecture !== want.architecture) return false;
    if (want.variant === undefined) return true;
    return normalVariant(p) === normalVariant(want);
  });
  if (candidates.length <= 1 || want.variant !== undefined) return candidates[0];
  // No variant asked for: prefer the one without a variant or with the architecture's usual one.
  return candidates.find((d) => normalVariant(d.platform!) === normalVariant({ architecture: want.architecture })) ?? candidates[0];
}

export function availablePlatforms(manifests: Descriptor[]): string[] {
  return manifests.flatMap((d) => (d.platform && d.platform.os !== "unknown" ? [platformString(d.platform)] : []));
}
