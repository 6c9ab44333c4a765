// The DNS server of a network, for whoever runs networks (see server.ts).
export { startDnsServer, DnsListenError, type DnsServer, type DnsServerOptions, type ListenAddress } from "./server.ts";
export type { NameEntry, NameTable } from "./zone.ts";
export { reverseName } from "./address.ts";
export { parseUpstream, type Upstream } from "./upstream.ts"; // dns-wire: per-client upstreams
