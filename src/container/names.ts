// Ids and names from Web Crypto: node:crypto costs ~13 ms to load in the compiled binary.
export function newContainerId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
}

const ADJECTIVES = ["brave", "calm", "eager", "fond", "gentle", "happy", "jolly", "keen", "lucid", "merry", "nimble", "proud", "quiet", "sharp", "tender", "witty"];
const NOUNS = ["curie", "darwin", "euler", "fermi", "gauss", "hopper", "knuth", "lovelace", "noether", "pascal", "ritchie", "shannon", "thompson", "turing", "wozniak", "yalow"];

/** Docker-style adjective_surname, with a random suffix so that two runs rarely collide. */
export function randomName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  const suffix = Buffer.from(bytes.subarray(2)).toString("hex");
  return `${ADJECTIVES[bytes[0]! % ADJECTIVES.length]}_${NOUNS[bytes[1]! % NOUNS.length]}_${suffix}`;
}
