// Errors a user can cause carry a clear message and are printed without a stack (exit code 1).
// Anything else that escapes is a bug, and the CLI says so.

export class UserError extends Error {
  override readonly name = "UserError";
  /** Each problem on its own line; a single problem is just the message. */
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === "string" ? [problems] : problems;
    super(list.length === 1 ? (list[0] as string) : `${list.length} problems:\n${list.map((p) => `  * ${p}`).join("\n")}`);
    this.problems = list;
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
