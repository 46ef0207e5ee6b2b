/**
 * The run log: pino writing JSON lines to the run's log.jsonl (synchronously, so nothing is lost
 * when a run dies).
 */
import { pino, type Logger } from 'pino';

/** A logger appending to `file`. */
export function createRunLogger(file: string): Logger {
  return pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: file, sync: true, append: true }));
}

export type { Logger };
