/**
 * Shares one in-flight run of an async operation among all callers that ask while it runs:
 * twenty requests that meet an expired ticket cause one login, not twenty.
 */
export class SingleFlight<T> {
  private pending: Promise<T> | undefined;

  run(operation: () => Promise<T>): Promise<T> {
    if (!this.pending) {
      this.pending = operation().finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  get inFlight(): boolean {
    return this.pending !== undefined;
  }
}
