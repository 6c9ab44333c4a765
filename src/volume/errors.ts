// Errors about volumes the user named: Docker exits 1 for these (the daemon's answer, not a bad flag).
import { UserError } from "../errors.ts";

export class NoSuchVolumeError extends UserError {
  constructor(readonly volume: string) {
    super(`No such volume: ${volume}`, 1);
  }
}

export class VolumeInUseError extends UserError {
  constructor(volume: string, containers: string[]) {
    super(`remove ${volume}: volume is in use - [${containers.join(", ")}]`, 1);
  }
}
