// One error class for the cgroup library: which controller, which file, which errno — the three things
// needed to tell "kernel lacks the feature" from "bad value" from "cgroup vanished" without parsing text.
export class CgroupError extends Error {
  constructor(
    readonly controller: string,
    readonly file: string,
    /** The errno name (EINVAL, EBUSY, …) or "ETIMEDOUT" for our own deadlines; undefined for parse errors. */
    readonly errno: string | undefined,
    detail?: string,
  ) {
    super(`cgroup ${controller}: ${file}${errno ? `: ${errno}` : ""}${detail ? ` (${detail})` : ""}`);
    this.name = "CgroupError";
  }
}

/** The errno name of a node:fs error ("ENOENT"), or undefined when it is not one. */
export function fsCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
