// compat-run: the detach key sequence of `attach` (and run's --detach-keys), as Docker reads it (moby/term
// ToBytes: comma-separated single characters or ctrl-<key>), and the scanner that watches stdin for it:
// bytes that might start the sequence are held back, and passed on when the next byte breaks it.
import { UserError } from "../errors.ts";

/** Docker's default, ctrl-p ctrl-q. */
export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

const CTRL_SPECIAL: Record<string, number> = { "@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, _: 31 };

export function parseDetachKeys(spec: string): Uint8Array {
  const codes: number[] = [];
  for (const key of spec.split(",")) {
    if (key.length === 1 && key.charCodeAt(0) < 0x80) { codes.push(key.charCodeAt(0)); continue; }
    const m = /^ctrl-(.)$/i.exec(key);
    const k = m?.[1]?.toLowerCase();
    if (k !== undefined && k >= "a" && k <= "z") codes.push(k.charCodeAt(0) - 96);
    else if (k !== undefined && k in CTRL_SPECIAL) codes.push(CTRL_SPECIAL[k]!);
    else throw new UserError(`Invalid detach keys (${spec}) provided`, 1);
  }
  return Uint8Array.from(codes);
}

export class DetachScanner {
  private matched = 0;
  constructor(private readonly keys: Uint8Array) {}

  /** What to pass on from `chunk`, and whether the sequence is complete (the rest is then dropped). */
  push(chunk: Uint8Array): { pass: Uint8Array; detach: boolean } {
    if (this.keys.length === 0) return { pass: chunk, detach: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { pass: Uint8Array.from(out), detach: true };
        continue;
      }
      // The held-back prefix was not the sequence after all: it goes through, then this byte is looked at anew.
      out.push(...this.keys.subarray(0, this.matched));
      this.matched = 0;
      if (byte === this.keys[0]) { this.matched = 1; if (this.keys.length === 1) return { pass: Uint8Array.from(out), detach: true }; }
      else out.push(byte);
    }
    return { pass: Uint8Array.from(out), detach: false };
  }
}
