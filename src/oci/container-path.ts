// A path inside the container that the kernel can take at all: -w, -v, --mount and --tmpfs destinations
// are checked here, so an impossible one is the user's one-line error and not a raw ENAMETOOLONG later.
import { UserError } from "../errors.ts";
import { encodeBytes } from "./bytes-string.ts";

/** PATH_MAX and NAME_MAX: a container path beyond them could never be created or mounted. */
const MAX_PATH_BYTES = 4095;
const MAX_COMPONENT_BYTES = 255;

/** A path in the container (-w, -v and --tmpfs destinations) that the kernel can take at all. */
export function checkContainerPath(path: string, message: (why: string) => string): void {
  if (encodeBytes(path).length > MAX_PATH_BYTES) throw new UserError(message(`is longer than ${MAX_PATH_BYTES} bytes`));
  if (path.split("/").some((c) => encodeBytes(c).length > MAX_COMPONENT_BYTES)) throw new UserError(message(`has a component longer than ${MAX_COMPONENT_BYTES} bytes`));
}

