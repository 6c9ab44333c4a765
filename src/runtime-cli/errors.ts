// runc exits 1 on every error and says why in one line (and, with --log-format json, one JSON record).
export class RuntimeError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = "RuntimeError";
  }
}

/** runc's own words (libcontainer/error.go and the commands), which containerd's shim matches on. */
export const MESSAGES = {
  notExist: "container does not exist",
  exists: "container with given ID already exists",
  badId: "invalid container ID format",
  noConfig: "JSON specification file config.json not found",
  notRunning: "container not running",
} as const;
