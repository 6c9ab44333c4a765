// `--security-opt` values, parsed as Docker does (daemon parseSecurityOpt, CLI parseSecurityOpts), and the
// container's `linux.seccomp` built from them:
//   seccomp=unconfined | seccomp=builtin | seccomp=PROFILE.json   (also the old `seccomp:…` form)
//   no-new-privileges | no-new-privileges=BOOL | no-new-privileges:BOOL
//   label=… / label:… / apparmor=…   accepted and ignored with a warning: minibox implements neither SELinux
//                                   nor AppArmor (Docker, too, ignores them on hosts without those LSMs)
// Anything else is refused with Docker's message. A profile file is read and validated here, so a bad one
// fails before anything is created.
import { readFileSync } from "node:fs";
import { UserError } from "../errors.ts";
import type { Seccomp } from "./spec.ts";
import { parseDockerProfile, type DockerProfile } from "../seccomp/docker-profile.ts";
import { DOCKER_DEFAULT_PROFILE } from "../seccomp/default-profile.ts";
import { goArch, resolveProfile } from "../seccomp/resolve.ts";
import { compileSeccomp } from "../seccomp/compile.ts";

export interface SecurityOptions {
  /** undefined: Docker's default profile. */
  seccompProfile?: DockerProfile;
  seccompUnconfined?: boolean;
  noNewPrivileges?: boolean;
  /** The values as given, for inspect's HostConfig.SecurityOpt. */
  securityOpt?: string[];
}

export interface ParsedSecurityOptions { options: SecurityOptions; warnings: string[] }

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

export function parseSecurityOpts(values: readonly string[], readProfile: (path: string) => string = readUserFile): ParsedSecurityOptions {
  const options: SecurityOptions = {};
  const warnings: string[] = [];
  for (const opt of values) {
    if (opt === "no-new-privileges") {
      options.noNewPrivileges = true;
      continue;
    }
    const sep = opt.includes("=") ? "=" : opt.includes(":") ? ":" : undefined;
    if (!sep) throw new UserError(`invalid --security-opt 1: "${opt}"`);
    const key = opt.slice(0, opt.indexOf(sep));
    const value = opt.slice(opt.indexOf(sep) + 1);
    if (sep === ":") warnings.push("Security options with `:` as a separator are deprecated, use `=` instead.");
    switch (key) {
      case "no-new-privileges":
        if (TRUE.has(value)) options.noNewPrivileges = true;
        else if (FALSE.has(value)) options.noNewPrivileges = false;
        else throw new UserError(`invalid --security-opt 2: "${opt}"`);
        break;
      case "seccomp":
        if (value === "") throw new UserError(`invalid --security-opt: "${opt}"`);
        delete options.seccompProfile;
        delete options.seccompUnconfined;
        if (value === "unconfined") options.seccompUnconfined = true;
        else if (value !== "builtin") options.seccompProfile = loadProfile(value, readProfile);
        break;
      case "label":
      case "apparmor":
        warnings.push(`--security-opt ${opt} is ignored: minibox supports neither SELinux nor AppArmor`);
        break;
      default:
        throw new UserError(`invalid --security-opt 2: "${opt}"`);
    }
  }
  if (values.length > 0) options.securityOpt = [...values];
  return { options, warnings };
}

function readUserFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code !== "string") throw e;
    throw new UserError(`opening seccomp profile (${path}) failed: ${code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : code}`);
  }
}

function loadProfile(path: string, read: (path: string) => string): DockerProfile {
  const profile = parseDockerProfile(read(path), path);
  // Compiled once here so that what the init would refuse (too long, …) is refused before anything exists.
  compileSeccomp(resolveProfile(profile, { capabilities: [], arch: goArch(), kernelRelease: kernelRelease() }));
  return profile;
}

/**
 * The container's `linux.seccomp`: the chosen profile resolved against its final bounding set (so the
 * capability conditionals of Docker's profile follow --cap-add/--cap-drop), or undefined when unconfined.
 */
export function seccompForSpec(options: SecurityOptions, bounding: readonly string[]): Seccomp | undefined {
  if (options.seccompUnconfined) return undefined;
  return resolveProfile(options.seccompProfile ?? DOCKER_DEFAULT_PROFILE, { capabilities: bounding, arch: goArch(), kernelRelease: kernelRelease() });
}

let release: string | undefined;
function kernelRelease(): string {
  release ??= readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  return release;
}
