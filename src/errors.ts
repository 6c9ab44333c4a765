/** Exit codes as Docker's CLI uses them. */
export const EXIT = { ENGINE: 125, CANNOT_EXECUTE: 126, NOT_FOUND: 127 } as const;

/** An error that is the user's to fix (bad flag, unknown image): printed as one line, no stack. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.ENGINE) {
    super(message);
    this.name = "UserError";
  }
}
