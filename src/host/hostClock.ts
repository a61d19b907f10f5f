import type { Clock } from '../core/util/clock';
import { offsetClock } from '../core/util/clock';
import type { Logger } from '../core/util/logger';

/**
 * The extension's clock: the system clock, unless ONCALL_TEST_NOW=<ISO instant> is set — then tests (and
 * demos) can stand on a Friday evening: "now" starts there and moves on in real time. Unset in normal use.
 */
export function hostClock(base: Clock, logger: Logger, env: NodeJS.ProcessEnv = process.env): Clock {
  const fixed = env.ONCALL_TEST_NOW;
  if (!fixed) return base;
  const t = Date.parse(fixed);
  if (!Number.isFinite(t)) {
    logger.warn(`ONCALL_TEST_NOW is not an ISO date (${fixed.slice(0, 40)}); using the real clock`);
    return base;
  }
  logger.warn(`test clock: "now" starts at ${new Date(t).toISOString()} (ONCALL_TEST_NOW)`);
  return offsetClock(base, t - base.now());
}
