/** The error a Catch node sees when the output watcher dead-letters a communication or a whole manifest. */
export class OutputWatchError extends Error {
  override name = "OutputWatchError";
  constructor(
    message: string,
    /** What was given up on: one communication, or a manifest that never became readable. */
    readonly kind: "communication" | "manifest",
  ) {
    super(message);
  }
}
