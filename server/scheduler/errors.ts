// Placement never throws for a node that does not fit: rejections are data (AllocMetric).
// These errors are for callers that hand the engine something inconsistent, which is a bug.

export class PlacementInputError extends Error {
  constructor(message: string) {
    super(`scheduler bug: ${message}`);
    this.name = "PlacementInputError";
  }
}
