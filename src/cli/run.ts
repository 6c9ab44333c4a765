import { defineCommand, type ArgsDef } from "citty";
import { splitArgv } from "./argv.ts";
import { UserError } from "../errors.ts";
import { parseEnvFile, parseTmpfs, parseVolume, resolveEnvArg, type CreateOptions } from "../container/options.ts";
import { runContainer } from "../container/run.ts";

const args = {
  name: { type: "string", description: "Assign a name to the container" },
  rm: { type: "boolean", description: "Automatically remove the container when it exits" },
  interactive: { type: "boolean", alias: "i", description: "Keep STDIN open" },
  tty: { type: "boolean", alias: "t", description: "Allocate a pseudo-TTY" },
  env: { type: "string", alias: "e", description: "Set environment variables (repeatable)" },
  "env-file": { type: "string", description: "Read in a file of environment variables (repeatable)" },
  entrypoint: { type: "string", description: "Overwrite the default ENTRYPOINT of the image" },
  workdir: { type: "string", alias: "w", description: "Working directory inside the container" },
  user: { type: "string", alias: "u", description: "Username or UID (format: <name|uid>[:<group|gid>])" },
  hostname: { type: "string", alias: "h", description: "Container host name" },
  volume: { type: "string", alias: "v", description: "Bind mount a volume HOST:CONTAINER[:ro] (repeatable)" },
  tmpfs: { type: "string", description: "Mount a tmpfs directory PATH[:OPTIONS] (repeatable)" },
  "read-only": { type: "boolean", description: "Mount the container's root filesystem as read only" },
} satisfies ArgsDef;

const REPEATABLE = ["env", "env-file", "volume", "tmpfs"];

export default defineCommand({
  meta: { name: "run", description: "Run a command in a new container: run [OPTIONS] IMAGE [COMMAND] [ARG...]" },
  args,
  async run({ rawArgs }) {
    const { values: v, positionals } = splitArgv(rawArgs, args, 1, REPEATABLE);
    const [image, ...command] = positionals;
    if (!image) throw new UserError('"run" requires at least 1 argument: run [OPTIONS] IMAGE [COMMAND] [ARG...]');
    const list = (k: string) => (v[k] as string[] | undefined) ?? [];
    const str = (k: string) => v[k] as string | undefined;
    const env = [
      ...list("env-file").flatMap((f) => parseEnvFile(f)),
      ...list("env").flatMap((e) => resolveEnvArg(e) ?? []),
    ];
    const opts: CreateOptions = {
      image, command, env,
      entrypoint: str("entrypoint"), workdir: str("workdir"), user: str("user"), name: str("name"), hostname: str("hostname"),
      interactive: v.interactive === true, tty: v.tty === true, readOnly: v["read-only"] === true, autoRemove: v.rm === true,
      volumes: list("volume").map(parseVolume), tmpfs: list("tmpfs").map(parseTmpfs),
    };
    return runContainer(opts);
  },
});
