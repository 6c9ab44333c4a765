// Random access to a tar file: one pass over the headers only (bodies are skipped with a seek), so a
// multi-gigabyte `docker save` archive is indexed without being read or copied.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import {
  BLOCK, ExtensionHeaders, TruncatedTarError, decodeHeader, isZeroBlock, padding, type TarHeader,
} from "./header.ts";

export interface IndexedEntry extends TarHeader {
  offset: number; // of the body
}

function readAt(fd: number, length: number, position: number, fileSize: number): Uint8Array {
  if (position + length > fileSize) throw new TruncatedTarError(fileSize);
  const buf = new Uint8Array(length);
  for (let got = 0; got < length; ) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) throw new TruncatedTarError(position + got);
    got += n;
  }
  return buf;
}

/** Entry name (without "./" and trailing "/") → entry; later members win, as when extracting. */
export function indexTar(path: string): Map<string, IndexedEntry> {
  const fd = openSync(path, "r");
  try {
    const fileSize = fstatSync(fd).size;
    const out = new Map<string, IndexedEntry>();
    const extensions = new ExtensionHeaders();
    let pos = 0;
    for (;;) {
      if (pos + BLOCK > fileSize) throw new TruncatedTarError(fileSize);
      const block = readAt(fd, BLOCK, pos, fileSize);
      if (isZeroBlock(block)) return out;
      const raw = decodeHeader(block, pos);
      const dataOffset = pos + BLOCK;
      if (ExtensionHeaders.isExtension(raw, pos)) {
        extensions.consume(raw, readAt(fd, raw.size, dataOffset, fileSize), pos);
        pos = dataOffset + raw.size + padding(raw.size);
        continue;
      }
      const header = extensions.resolve(raw, pos);
      if (header.type !== "file") header.size = 0;
      if (dataOffset + header.size > fileSize) throw new TruncatedTarError(fileSize);
      out.set(normalizeName(header.name), { ...header, offset: dataOffset });
      pos = dataOffset + header.size + padding(header.size);
    }
  } finally {
    closeSync(fd);
  }
}

export function normalizeName(name: string): string {
  return name.split("/").filter((p) => p !== "" && p !== ".").join("/");
}
