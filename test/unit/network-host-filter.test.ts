// The accept rules for host filter chains (ufw/Docker policies) and the matching of ours in `iptables -S`.
import { describe, expect, test } from "bun:test";
import { hostFilterAccepts, ourIptablesRules } from "../../src/network/host-filter.ts";
import type { NetworkRecord } from "../../src/network/store.ts";

const net = (name: string, bridge: string, o: Partial<NetworkRecord> = {}): NetworkRecord => ({
  id: `${name}-id`, name, driver: "bridge", created: "", subnet: "10.1.0.0/24", gateway: "10.1.0.1", internal: false, bridge, labels: {}, options: {}, ...o,
});
const v6 = { subnet: "fd00::/64", gateway: "fd00::1" };

describe("hostFilterAccepts", () => {
  test("INPUT: DNS (udp, tcp 53) in from each user network's bridge; none for the default bridge", () => {
    const rules = hostFilterAccepts("ip", "INPUT", [net("bridge", "mb0"), net("u", "mbr-u")]);
    expect(rules.map((r) => r.nft)).toEqual([`iifname "mbr-u" udp dport 53 accept`, `iifname "mbr-u" tcp dport 53 accept`]);
    expect(rules[0]!.iptables).toEqual(["-i", "mbr-u", "-p", "udp", "--dport", "53"]);
  });
  test("ip6 chains: only networks with IPv6; ip FORWARD is firewall.ts's", () => {
    const nets = [net("a", "mbr-a"), net("b", "mbr-b", { ipv6: v6 }), net("c", "mbr-c", { ipv6: v6, internal: true })];
    expect(hostFilterAccepts("ip6", "INPUT", nets).map((r) => r.iptables[1])).toEqual(["mbr-b", "mbr-b", "mbr-c", "mbr-c"]);
    expect(hostFilterAccepts("ip6", "FORWARD", nets).map((r) => r.nft)).toEqual([
      `iifname "mbr-b" accept`, `oifname "mbr-b" ct state related,established accept`, `oifname "mbr-b" ct status dnat accept`,
      `iifname "mbr-c" oifname "mbr-c" accept`,
    ]);
    expect(hostFilterAccepts("ip", "FORWARD", nets)).toEqual([]);
  });
});

describe("ourIptablesRules", () => {
  test("finds ours whether iptables quotes the comment or not, leaves others' and other tables' alone", () => {
    const listing = [
      "-P INPUT DROP",
      `-A INPUT -i mbr-u -p udp -m udp --dport 53 -m comment --comment "minibox:t" -j ACCEPT`,
      "-A INPUT -i mbr-v -p tcp -m tcp --dport 53 -m comment --comment minibox:t -j ACCEPT",
      `-A INPUT -i mbr-w -p tcp -m tcp --dport 53 -m comment --comment "minibox:t2" -j ACCEPT`,
      "-A INPUT -i lo -j ACCEPT",
    ];
    expect(ourIptablesRules(listing, "INPUT", "minibox:t")).toEqual([
      ["INPUT", "-i", "mbr-u", "-p", "udp", "-m", "udp", "--dport", "53", "-m", "comment", "--comment", "minibox:t", "-j", "ACCEPT"],
      ["INPUT", "-i", "mbr-v", "-p", "tcp", "-m", "tcp", "--dport", "53", "-m", "comment", "--comment", "minibox:t", "-j", "ACCEPT"],
    ]);
  });
});
