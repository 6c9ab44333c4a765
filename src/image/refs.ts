// name:tag → image id, one small file per reference under refs/, so tagging is a single atomic rename
// and two commands tagging different names never contend for a shared index file.
import { readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../state/atomic.ts";
import { InvalidReferenceError, parseReference, referenceString, type Reference } from "./reference.ts";
import { checkRefTarget } from "./store-records.ts";

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

  /** The image id the ref names, or null when there is no such ref or its file does not hold an id. */
  get(ref: Reference): string | null {
    let text: string;
    try {
      text = readFileSync(this.path(ref), "utf8");
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    const target = checkRefTarget(text);
    return target.ok ? target.value : null;
  }

  delete(ref: Reference): void {
    try {
      unlinkSync(this.path(ref));
    } catch (error) {
      if (!isMissing(error)) throw error; // already gone: another rmi got there first
    }
  }

  /** Fully qualified reference → image id. Files that are not a valid ref (bad name or content) are left out; `system check` reports them. */
  all(): Map<string, string> {
    const out = new Map<string, string>();
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (error) {
      if (isMissing(error)) return out;
      throw error;
    }
    for (const name of names) {
      let ref: Reference;
      try {
        ref = parseReference(decodeURIComponent(name));
      } catch (error) {
        if (error instanceof URIError || error instanceof InvalidReferenceError) continue;
        throw error;
      }
      if (ref.digest !== undefined || ref.tag === undefined) continue;
      const id = this.get(ref); // removed while we listed: not a ref any more
      if (id !== null) out.set(referenceString(ref), id);
    }
    return out;
  }
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";
