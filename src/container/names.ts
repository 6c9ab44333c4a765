import { randomBytes } from "node:crypto";

export function newContainerId(): string {
  return randomBytes(32).toString("hex");
}

const ADJECTIVES = ["brave", "calm", "eager", "fond", "gentle", "happy", "jolly", "keen", "lucid", "merry", "nimble", "proud", "quiet", "sharp", "tender", "witty"];
const NOUNS = ["curie", "darwin", "euler", "fermi", "gauss", "hopper", "knuth", "lovelace", "noether", "pascal", "ritchie", "shannon", "thompson", "turing", "wozniak", "yalow"];

/** Docker-style adjective_surname, with a random suffix so that two runs rarely collide. */
export function randomName(): string {
  const pick = (list: string[]) => list[randomBytes(1)[0]! % list.length]!;
  return `${pick(ADJECTIVES)}_${pick(NOUNS)}_${randomBytes(2).toString("hex")}`;
}
