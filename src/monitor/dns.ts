// dns-wire: how a starting container (or `network connect`) gets its user network's DNS server going. The
// servers live in the store's monitor (network/dns-service.ts), which outlives any one container; inside
// the monitor the request is a function call, anywhere else a "dns" request over the monitor's socket
// (which starts the monitor when none runs, so that foreground containers resolve names too).
import { askMonitor } from "./client.ts";

let inProcess: (() => Promise<string[]>) | undefined;

/** Called by the monitor: requests from this process go straight to its service. */
export function serveNetworkDnsHere(sync: () => Promise<string[]>): void {
  inProcess = sync;
}

/** Resolves once the servers match the records (a new container is then answered); returns warnings. */
export async function refreshNetworkDns(): Promise<string[]> {
  if (inProcess) return inProcess();
  const reply = await askMonitor({ op: "dns" });
  return reply.ok ? (reply.warnings ?? []) : [reply.error];
}
