// `features` (runtime-spec features.md): what this runtime really supports, nothing more.
import { NAMESPACES } from "../sys/sched.ts";

export function featuresJson(): string {
  return JSON.stringify({
    ociVersionMin: "1.0.0",
    ociVersionMax: "1.2.0",
    hooks: ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
    mountOptions: ["bind", "rbind", "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "private", "rprivate", "slave", "rslave", "shared", "rshared", "relatime", "noatime", "strictatime", "nodiratime"],
    linux: {
      namespaces: Object.keys(NAMESPACES),
      capabilities: [],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: { enabled: true, actions: ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP"], operators: [], archs: [] },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
    },
    annotations: { "org.minibox.runtime": "minibox" },
  }, null, 2) + "\n";
}
