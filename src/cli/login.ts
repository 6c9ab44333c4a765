import { defineCommand } from "citty";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";

export default defineCommand({
  meta: { name: "login", description: "Log in to a registry (credentials go to ~/.docker/config.json)" },
  args: {
    server: { type: "positional", required: false, description: "Registry (default: docker.io)" },
    username: { type: "string", alias: "u", description: "Username" },
    password: { type: "string", alias: "p", description: "Password" },
    "password-stdin": { type: "boolean", description: "Take the password from stdin" },
  },
  async run({ args }) {
    const { login, registryArgument } = await import("../image/login.ts");
    const registry = registryArgument(args.server === undefined ? undefined : String(args.server));
    let username = args.username === undefined ? "" : String(args.username).trim();
    let password = args.password === undefined ? "" : String(args.password);
    // Docker's rules and words (docker/cli cli/command/registry/login.go), each a plain error: exit 1.
    if (args["password-stdin"]) {
      if (args.password !== undefined) throw new UserError("--password and --password-stdin are mutually exclusive", 1);
      if (!username) throw new UserError("Must provide --username with --password-stdin", 1);
      password = (await Bun.stdin.text()).replace(/\r?\n$/, "");
    } else if (password) {
      out.warn("Using --password via the CLI is insecure. Use --password-stdin.");
    }
    if (!username || !password) ({ username, password } = await askOnTerminal(username, password));
    await login(registry, { username, password });
    out.log("Login Succeeded");
    return 0;
  },
});

/** compat-cli: Docker's interactive login: what is missing is asked for on the terminal, the password unechoed. */
async function askOnTerminal(username: string, password: string): Promise<{ username: string; password: string }> {
  const [{ isatty }, { prompt, promptSecret }] = await Promise.all([import("../sys/tty.ts"), import("./prompt.ts")]);
  if (!isatty(0)) throw new UserError("Cannot perform an interactive login from a non TTY device", 1);
  if (!username) username = (prompt("Username: ") ?? "").trim();
  if (!username) throw new UserError("Error: Non-null Username Required", 1);
  if (!password) password = promptSecret("Password: ") ?? "";
  if (!password) throw new UserError("Error: Password Required", 1);
  return { username, password };
}
