// Container output → log lines, per stream. The output arrives in reads of any size, so a character may be
// split between two reads: bytes are kept until a line is complete and decoded only then, whole. A line
// longer than maxBytes is cut into pieces of at most maxBytes bytes (Docker's 16 KiB), at a character
// boundary. Bytes that are not UTF-8 become U+FFFD, as Docker's json-file writes them (JSON is text).

const NEWLINE = 0x0a;
const decoder = new TextDecoder(); // not fatal: invalid bytes → U+FFFD
const encoder = new TextEncoder();

export class LineSplitter {
  private pending: Uint8Array = new Uint8Array(0);

  constructor(private readonly maxBytes: number) {}

  /** The complete lines (ending "\n") and over-long pieces in this chunk; the rest waits for more. */
  push(chunk: Uint8Array | string): string[] {
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    let data = this.pending.length === 0 ? bytes : concat(this.pending, bytes);
    const pieces: string[] = [];
    for (;;) {
      const nl = data.indexOf(NEWLINE);
      const limit = Math.min(data.length, this.maxBytes);
      let end: number;
      if (nl >= 0 && nl < this.maxBytes) end = nl + 1;
      else if (data.length >= this.maxBytes) end = characterBoundary(data, limit);
      else break;
      pieces.push(decoder.decode(data.subarray(0, end)));
      data = data.subarray(end);
    }
    // Copied: the caller may reuse its chunk's buffer for the next read.
    this.pending = data.slice();
    return pieces;
  }

  /** What is left of an unterminated line (at the container's exit); "" when nothing. */
  flush(): string {
    const rest = this.pending;
    this.pending = new Uint8Array(0);
    return rest.length === 0 ? "" : decoder.decode(rest);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * The largest cut ≤ limit that does not fall inside a UTF-8 sequence: find the last lead byte before the
 * limit (at most 3 continuation bytes back); if the sequence it starts runs past the limit, cut before it.
 * Bytes that start no sequence (stray continuation bytes, invalid leads) are cut at the limit itself.
 */
function characterBoundary(data: Uint8Array, limit: number): number {
  let lead = limit - 1;
  while (lead > 0 && limit - lead < 4 && (data[lead]! & 0xc0) === 0x80) lead--;
  const b = data[lead]!;
  const length = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xc2 && b <= 0xdf ? 2 : 1;
  return lead + length > limit && lead > 0 ? lead : limit;
}
