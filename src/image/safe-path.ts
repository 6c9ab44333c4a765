// Entry names from a layer are attacker-controlled. They are reduced to plain components here, and
// anything that could point outside the layer directory is refused rather than "fixed".
import { UserError } from "../errors.ts";

export class UnsafeLayerError extends UserError {
  constructor(layer: string, entry: string, why: string) {
    super(`refusing unsafe layer entry "${entry}" in ${layer}: ${why}`);
    this.name = "UnsafeLayerError";
  }
}

/** Components of a member name relative to the layer root; [] is the root itself. */
export function entryComponents(name: string, layer: string): string[] {
  if (name.startsWith("/")) throw new UnsafeLayerError(layer, name, "absolute path");
  if (name.includes("\0")) throw new UnsafeLayerError(layer, name, "NUL byte in name");
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new UnsafeLayerError(layer, name, "'..' component");
  return parts;
}
