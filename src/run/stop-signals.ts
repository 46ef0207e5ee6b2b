/**
 * Graceful stop: the first SIGINT or SIGTERM is remembered (training stops after the current
 * step); the handler is registered once, so a second signal ends the process at once.
 */

/** The first stop signal seen, and how to stop listening. */
export interface StopSignals {
  readonly signal: NodeJS.Signals | null;
  off(): void;
}

/** Starts listening for SIGINT and SIGTERM. */
export function watchStopSignals(): StopSignals {
  let signal: NodeJS.Signals | null = null;
  const onSignal = (received: NodeJS.Signals) => {
    signal = received;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    get signal() {
      return signal;
    },
    off() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
