// A Docker profile → the OCI `linux.seccomp` of one container, as moby's setupSeccomp does it: archMap
// picks the native architecture's entry and its sub-architectures, and every rule whose `includes` /
// `excludes` conditions do not hold for this container (its bounding capabilities), this architecture
// (Go's names: amd64, arm64) or this kernel (major.minor ≥ minKernel) is dropped. What remains is plain
// OCI, so that the init (or any OCI runtime) compiles exactly what config.json says.
import type { Seccomp, SeccompSyscall } from "../oci/spec.ts";
import type { DockerProfile, ProfileFilter } from "./docker-profile.ts";

export interface ResolveContext {
  /** The container's final bounding set (spec process.capabilities.bounding). */
  capabilities: readonly string[];
  /** Go's architecture name, as moby's profiles use it: amd64, arm64, … */
  arch: string;
  /** The host kernel's release, e.g. "6.1.0-18-amd64". */
  kernelRelease: string;
}

const GO_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", ia32: "x86", arm: "arm", s390x: "s390x", ppc64: "ppc64le", riscv64: "riscv64", loong64: "loong64" };
const NATIVE_SCMP: Record<string, string> = { amd64: "SCMP_ARCH_X86_64", arm64: "SCMP_ARCH_AARCH64", x86: "SCMP_ARCH_X86", arm: "SCMP_ARCH_ARM", s390x: "SCMP_ARCH_S390X", ppc64le: "SCMP_ARCH_PPC64LE", riscv64: "SCMP_ARCH_RISCV64", loong64: "SCMP_ARCH_LOONGARCH64" };

/** Node's process.arch in Go's spelling. */
export function goArch(nodeArch: string = process.arch): string {
  return GO_ARCH[nodeArch] ?? nodeArch;
}

export function resolveProfile(profile: DockerProfile, ctx: ResolveContext): Seccomp {
  const out: Seccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  const arches = architectures(profile, ctx.arch);
  if (arches.length) out.architectures = arches;
  if (profile.flags?.length) out.flags = [...profile.flags];
  const kernel = kernelVersion(ctx.kernelRelease);
  const syscalls: SeccompSyscall[] = [];
  for (const rule of profile.syscalls ?? []) {
    if (rule.excludes && matchesAny(rule.excludes, ctx, kernel)) continue;
    if (rule.includes && !matchesAll(rule.includes, ctx, kernel)) continue;
    const call: SeccompSyscall = { names: rule.names ?? (rule.name ? [rule.name] : []), action: rule.action };
    if (rule.errnoRet !== undefined) call.errnoRet = rule.errnoRet;
    if (rule.args?.length) call.args = rule.args.map((a) => ({ ...a }));
    syscalls.push(call);
  }
  out.syscalls = syscalls;
  return out;
}

function architectures(profile: DockerProfile, arch: string): string[] {
  if (profile.architectures?.length) return [...profile.architectures];
  const native = NATIVE_SCMP[arch];
  const entry = profile.archMap?.find((m) => m.architecture === native);
  return entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : [];
}

/** excludes: the rule goes if any one condition holds (moby checks arches, then each cap, then the kernel). */
function matchesAny(f: ProfileFilter, ctx: ResolveContext, kernel: [number, number]): boolean {
  if (f.arches?.length && f.arches.includes(ctx.arch)) return true;
  if (f.caps?.some((c) => ctx.capabilities.includes(c))) return true;
  return f.minKernel !== undefined && atLeast(kernel, f.minKernel);
}

/** includes: the rule stays only if every condition holds. */
function matchesAll(f: ProfileFilter, ctx: ResolveContext, kernel: [number, number]): boolean {
  if (f.arches?.length && !f.arches.includes(ctx.arch)) return false;
  if (f.caps?.length && !f.caps.every((c) => ctx.capabilities.includes(c))) return false;
  return f.minKernel === undefined || atLeast(kernel, f.minKernel);
}

export function kernelVersion(release: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) throw new Error(`cannot read the kernel version from "${release}"`);
  return [Number(m[1]), Number(m[2])];
}

function atLeast([major, minor]: [number, number], min: string): boolean {
  const [wantMajor, wantMinor] = min.split(".").map(Number) as [number, number];
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}
