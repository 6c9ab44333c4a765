import { UserError } from "../errors.ts";

/** A copy that cannot be done as asked (Docker's `cp` exits 1 for these). */
export class CopyError extends UserError {
  constructor(message: string) {
    super(message, 1);
  }
}
