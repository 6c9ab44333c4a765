// What docs/compatibility.md cannot read from the command definitions: flags minibox accepts but does not
// act on (and why), and why a Docker command or flag is not there. Keyed by Docker's command path and long
// flag name. Everything else is derived: a Docker flag the command defines is "supported", one it does not
// define is "not supported". `bun run gen-compat` writes the page; a unit test fails when it is stale.

export type NoteStatus = "ignored" | "partial" | "unsupported";

export interface FlagNote {
  status: NoteStatus;
  note: string;
}

export const FLAG_NOTES: Record<string, FlagNote> = {
  "images --all": { status: "ignored", note: "minibox keeps no intermediate images: the same list either way" },
  "image ls --all": { status: "ignored", note: "minibox keeps no intermediate images: the same list either way" },
  "run --hostname": { status: "partial", note: "`-h` alone (`run -h`) prints help" },
  "pull --disable-content-trust": { status: "unsupported", note: "no Docker Content Trust (Notary)" },
  "push --disable-content-trust": { status: "unsupported", note: "no Docker Content Trust (Notary)" },
  "run --disable-content-trust": { status: "unsupported", note: "no Docker Content Trust (Notary)" },
  "create --disable-content-trust": { status: "unsupported", note: "no Docker Content Trust (Notary)" },
  "build --disable-content-trust": { status: "unsupported", note: "no Docker Content Trust (Notary)" },
  "run --isolation": { status: "unsupported", note: "Windows only" },
  "create --isolation": { status: "unsupported", note: "Windows only" },
  "build --isolation": { status: "unsupported", note: "Windows only" },
  "run --cpu-count": { status: "unsupported", note: "Windows only" },
  "create --cpu-count": { status: "unsupported", note: "Windows only" },
  "run --cpu-percent": { status: "unsupported", note: "Windows only" },
  "create --cpu-percent": { status: "unsupported", note: "Windows only" },
  "run --io-maxbandwidth": { status: "unsupported", note: "Windows only" },
  "create --io-maxbandwidth": { status: "unsupported", note: "Windows only" },
  "run --io-maxiops": { status: "unsupported", note: "Windows only" },
  "create --io-maxiops": { status: "unsupported", note: "Windows only" },
  "run --link": { status: "unsupported", note: "legacy links: user networks resolve container names instead" },
  "create --link": { status: "unsupported", note: "legacy links: user networks resolve container names instead" },
  "rm --link": { status: "unsupported", note: "legacy links are not supported" },
  "run --volume-driver": { status: "unsupported", note: "only the local volume driver exists" },
  "create --volume-driver": { status: "unsupported", note: "only the local volume driver exists" },
};

/** Docker commands (or whole families, by first word) that a daemonless single-host engine leaves out. */
export const COMMAND_NOTES: Record<string, string> = {
  service: "Swarm mode: out of scope for a daemonless, single-host engine",
  stack: "Swarm mode: out of scope for a daemonless, single-host engine",
  swarm: "Swarm mode: out of scope for a daemonless, single-host engine",
  node: "Swarm mode: out of scope for a daemonless, single-host engine",
  secret: "Swarm mode: out of scope for a daemonless, single-host engine",
  config: "Swarm mode: out of scope for a daemonless, single-host engine",
  plugin: "no daemon to load plugins into",
  context: "there is no daemon to point a context at",
  trust: "no Docker Content Trust (Notary)",
  checkpoint: "no CRIU checkpointing",
  manifest: "experimental in Docker 20.10; not implemented",
  search: "needs Docker Hub's search API; not implemented",
};
