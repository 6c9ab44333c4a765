import { defineCommand, type ArgsDef } from "citty";
import { splitArgv } from "./argv.ts";
import { UserError } from "../errors.ts";
import { checkedWorkdir, parseEnvFile, resolveEnvArg } from "../container/options.ts";
import type { ExecOptions } from "../container/exec-request.ts";
import { hostEnv as hostEnvironment } from "./host-bytes.ts";
import { normalizeCapabilities } from "../oci/capabilities.ts";

const USAGE = "exec [OPTIONS] CONTAINER COMMAND [ARG...]";

export const execArgs = {
  detach: { type: "boolean", alias: "d", description: "Detached mode: run command in the background" },
  interactive: { type: "boolean", alias: "i", description: "Keep STDIN open" },
  tty: { type: "boolean", alias: "t", description: "Allocate a pseudo-TTY" },
  env: { type: "string", alias: "e", description: "Set environment variables (repeatable)" },
  "env-file": { type: "string", description: "Read in a file of environment variables (repeatable)" },
  workdir: { type: "string", alias: "w", description: "Working directory inside the container" },
  user: { type: "string", alias: "u", description: "Username or UID (format: <name|uid>[:<group|gid>])" },
  // hardening-flags
  privileged: { type: "boolean", description: "Give extended privileges to the command" },
  "cap-add": { type: "string", description: "Add Linux capabilities to the command (repeatable)" },
  "cap-drop": { type: "string", description: "Drop Linux capabilities from the command (repeatable)" },
} satisfies ArgsDef;

/** Options up to the container; everything after it is the command, verbatim (Docker's rule). */
export function parseExecArgs(rawArgs: readonly string[], hostEnv: Record<string, string | undefined> = process.env): ExecOptions {
  const { values: v, positionals } = splitArgv(rawArgs, execArgs, 1, ["env", "env-file", "cap-add", "cap-drop"]);
  const [container, ...command] = positionals;
  if (!container || command.length === 0) throw new UserError(`"exec" requires at least 2 arguments: ${USAGE}`);
  const list = (k: string) => (v[k] as string[] | undefined) ?? [];
  const env = [
    ...list("env-file").flatMap((f) => parseEnvFile(f, hostEnv)),
    ...list("env").flatMap((e) => resolveEnvArg(e, hostEnv) ?? []),
  ];
  return {
    container, command,
    interactive: v.interactive === true, tty: v.tty === true, detach: v.detach === true,
    env,
    workdir: checkedWorkdir(v.workdir as string | undefined), user: v.user as string | undefined,
    ...(v.privileged === true ? { privileged: true } : {}),
    ...(list("cap-add").length > 0 ? { capAdd: normalizeCapabilities(list("cap-add"), "CapAdd") } : {}),
    ...(list("cap-drop").length > 0 ? { capDrop: normalizeCapabilities(list("cap-drop"), "CapDrop") } : {}),
  };
}

export default defineCommand({
  meta: { name: "exec", description: `Execute a command in a running container: ${USAGE}` },
  args: execArgs,
  async run({ rawArgs }) {
    const opts = parseExecArgs(rawArgs, hostEnvironment()); // the host's values as bytes (host-bytes.ts)
    const [{ execInContainer }, { ContainerStore }, { storeRoot }] = await Promise.all([
      import("../container/exec.ts"), import("../container/store.ts"), import("../image/store.ts"),
    ]);
    const store = new ContainerStore(storeRoot());
    if (!opts.detach && opts.tty && opts.interactive) {
      // Docker looks the container up first, so that "No such container" wins over the terminal check.
      const [{ findContainer }, { assertTerminalInput }] = await Promise.all([import("../container/lookup.ts"), import("./tty-check.ts")]);
      findContainer(store, opts.container);
      await assertTerminalInput(true, true);
    }
    return execInContainer(store, opts);
  },
});
