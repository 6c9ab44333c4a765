// A store's host objects are named from a hash of its root: the names must never change (a bridge and a
// table that outlived their containers are found again by them), whichever hash implementation computes
// them (net-bench: Bun.CryptoHasher rather than node:crypto, which costs ~13 ms to load in the binary).
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { NetworkStore } from "../../src/network/store.ts";

describe("store network names", () => {
  test("a non-default root: mbx<sha256(root)[0:8]> and minibox-<same>", () => {
    const root = "/tmp/some-store-root";
    const h = createHash("sha256").update(root).digest("hex").slice(0, 8);
    const ns = new NetworkStore(root, {});
    expect(ns.defaultBridge).toBe(`mbx${h}`);
    expect(ns.table).toBe(`minibox-${h}`);
  });

  test("the default root: minibox0 and inet minibox; the environment overrides both", () => {
    expect(new NetworkStore("/var/lib/minibox", {}).defaultBridge).toBe("minibox0");
    expect(new NetworkStore("/var/lib/minibox", {}).table).toBe("minibox");
    const ns = new NetworkStore("/x", { MINIBOX_BRIDGE: "b0", MINIBOX_NFT_TABLE: "t0" });
    expect([ns.defaultBridge, ns.table]).toEqual(["b0", "t0"]);
  });
});
