import { defineCommand } from "citty";
import { out } from "./output.ts";

export default defineCommand({
  meta: { name: "logout", description: "Log out from a registry" },
  args: {
    server: { type: "positional", required: false, description: "Registry (default: docker.io)" },
  },
  async run({ args }) {
    const { logout, registryArgument } = await import("../image/login.ts");
    const registry = registryArgument(args.server === undefined ? undefined : String(args.server));
    out.log(logout(registry) ? `Removing login credentials for ${registry}` : `Not logged in to ${registry}`);
    return 0;
  },
});
