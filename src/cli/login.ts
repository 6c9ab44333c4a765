import { defineCommand } from "citty";
import { out } from "./output.ts";

export default defineCommand({
  meta: { name: "login", description: "Log in to a registry (credentials go to ~/.docker/config.json)" },
  args: {
    server: { type: "positional", required: false, description: "Registry (default: docker.io)" },
    username: { type: "string", alias: "u", description: "Username" },
    password: { type: "string", alias: "p", description: "Password" },
    "password-stdin": { type: "boolean", description: "Read the password from stdin" },
  },
  async run({ args }) {
    const { login, registryArgument } = await import("../image/login.ts");
    const registry = registryArgument(args.server === undefined ? undefined : String(args.server));
    let password = args.password === undefined ? "" : String(args.password);
    if (args["password-stdin"]) {
      if (args.password !== undefined) throw new (await import("../errors.ts")).UserError("--password and --password-stdin are mutually exclusive");
      password = (await Bun.stdin.text()).replace(/\r?\n$/, "");
    } else if (password) {
      out.warn("Using --password via the CLI is insecure. Use --password-stdin.");
    }
    await login(registry, { username: args.username === undefined ? "" : String(args.username), password });
    out.log("Login Succeeded");
    return 0;
  },
});
