// `minibox port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports of a running container, as Docker.
import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { containerStore } from "./each-container.ts";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";
import { findContainer } from "../container/lookup.ts";
import { publishedPorts } from "../network/index.ts";

export default defineCommand({
  meta: { name: "port", description: "List port mappings or a specific mapping for the container: port CONTAINER [PRIVATE_PORT[/PROTO]]" },
  run({ rawArgs }) {
    const { positionals } = splitArgv(rawArgs, {}, Infinity);
    if (positionals.length < 1 || positionals.length > 2) throw new UserError(`"port" requires at least 1 and at most 2 arguments: port CONTAINER [PRIVATE_PORT[/PROTO]]`);
    const store = containerStore();
    const record = findContainer(store, positionals[0]!);
    const ports = publishedPorts(store, record.id);
    const host = (ip: string, port: number) => (ip.includes(":") ? `[${ip}]:${port}` : `${ip || "0.0.0.0"}:${port}`);
    const wanted = positionals[1];
    if (wanted !== undefined) {
      const [port, proto = "tcp"] = wanted.split("/") as [string, string?];
      if (!/^\d+$/.test(port)) throw new UserError(`Invalid port: ${wanted}`);
      const found = ports.filter((p) => p.containerPort === Number(port) && p.protocol === proto);
      if (found.length === 0) throw new UserError(`Error: No public port '${port}/${proto}' published for ${positionals[0]}`, 1);
      for (const p of found) out.log(host(p.hostIp, p.hostPort));
      return 0;
    }
    const sorted = [...ports].sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol));
    for (const p of sorted) out.log(`${p.containerPort}/${p.protocol} -> ${host(p.hostIp, p.hostPort)}`);
    return 0;
  },
});
