// name:tag → image id, one small file per reference under refs/, so tagging is a single atomic rename
// and two commands tagging different names never contend for a shared index file.
import { readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../state/atomic.ts";
import { InvalidReferenceError, parseReference, referenceString, type Reference } from "./reference.ts";

/** A reference that can name a tag: digests are content, not names, so they cannot be set. */
export function tagReference(input: string): Reference {
  const ref = parseReference(input);
  if (ref.digest !== undefined) throw new InvalidReferenceError(input, "a tag cannot contain a digest");
  return ref;
}

export class RefStore {
  constructor(private readonly dir: string, private readonly tmpDir: () => string) {}

  private path(ref: Reference): string {
    // encodeURIComponent leaves no '/' and is reversible, so the directory stays flat.
    return join(this.dir, encodeURIComponent(referenceString(ref)));
  }

  set(ref: Reference, id: string): void {
    writeFileAtomic(this.path(ref), `${id}\n`, this.tmpDir());
  }

  get(ref: Reference): string | null {
    try {
      return readFileSync(this.path(ref), "utf8").trim();
    } catch {
      return null;
    }
  }

  delete(ref: Reference): void {
    try {
      unlinkSync(this.path(ref));
    } catch {
      // already gone: another rmi got there first
    }
  }

  /** Fully qualified reference → image id. */
  all(): Map<string, string> {
    const out = new Map<string, string>();
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return out;
    }
    for (const name of names) {
      try {
        out.set(decodeURIComponent(name), readFileSync(join(this.dir, name), "utf8").trim());
      } catch {
        // removed while we listed: not a ref any more
      }
    }
    return out;
  }
}
