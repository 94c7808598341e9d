/** The simulator's notion of "now": wall clock plus an offset tests can move forward (token expiry, retention). */
export class SimClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): number {
    this.offsetMs += ms;
    return this.now();
  }

  setOffset(ms: number): number {
    this.offsetMs = ms;
    return this.now();
  }

  get offset(): number {
    return this.offsetMs;
  }
}
