/*
 * A fake clock for the transfer-limit tests. The transport's own timers (overall deadline, a stream's idle timeout and
 * minimum rate, axios's wait for the answer's head) and an in-process server's trickle run on it, so which limit fires
 * is decided by the test, not by how fast the machine is. Sockets stay real: after each step the real event loop turns
 * so that what the step sent is delivered before the next step. The socket's own idle timeout (net's internal timers)
 * cannot be faked; tests keep it (timeoutMs) beyond the mocha timeout, so it never takes part.
 */
import sinon from "sinon";

export interface TransferClock {
  /** Fake milliseconds passed so far. */
  readonly now: number;
  /**
   * Lets `ms` pass in steps of `stepMs`; the last step runs synchronously and the real timers come back right after
   * it, so whatever that step set off (a retry's wait, the next attempt) runs on real time.
   */
  passThenRestore(ms: number, stepMs: number): Promise<void>;
  /**
   * Lets time pass in steps of `stepMs` until `done()` holds, then brings the real timers back. Throws (after
   * restoring) when `maxMs` passed first.
   */
  passUntilThenRestore(done: () => boolean, stepMs: number, maxMs: number): Promise<void>;
  restore(): void;
}

/** Timers created from now on run on the fake clock, until restored. */
export function fakeTransferClock(): TransferClock {
  const clock = sinon.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"],
    shouldAdvanceTime: false,
  });
  let restored = false;
  const restore = () => {
    if (!restored) clock.uninstall();
    restored = true;
  };
  const step = async (ms: number) => {
    await clock.tickAsync(ms);
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    get now() {
      return clock.now;
    },
    async passThenRestore(ms, stepMs) {
      try {
        const end = clock.now + ms;
        while (end - clock.now > stepMs) await step(stepMs);
        clock.tick(end - clock.now);
      } finally {
        restore();
      }
    },
    async passUntilThenRestore(done, stepMs, maxMs) {
      const end = clock.now + maxMs;
      try {
        while (!done() && clock.now < end) await step(stepMs);
      } finally {
        restore();
      }
      if (!done()) throw new Error(`still not done after ${maxMs} ms of fake time`);
    },
    restore,
  };
}
