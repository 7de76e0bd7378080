// Errors of the eval broker. All of them are a worker's stale view of an evaluation: the worker
// should drop the evaluation and dequeue again, not retry the same call.

/** The evaluation is not handed out (never was, was acked, or was redelivered after a nack). */
export class EvalNotOutstandingError extends Error {
  override readonly name = "EvalNotOutstandingError";
  constructor(readonly evalId: string) {
    super(`evaluation ${evalId} is not outstanding (already acked, nacked or redelivered)`);
  }
}

/** The token is from an earlier delivery: the broker has since redelivered the evaluation. */
export class EvalTokenMismatchError extends Error {
  override readonly name = "EvalTokenMismatchError";
  constructor(readonly evalId: string) {
    super(`evaluation ${evalId} was redelivered; this token is from an earlier delivery and is no longer valid`);
  }
}
