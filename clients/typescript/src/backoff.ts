/**
 * Exponential backoff shared by unary retries, watch reconnects and transcript re-sends.
 *
 * @module
 */

/** How long to wait between attempts: doubling from `initialDelayMs` up to `maxDelayMs`. */
export interface BackoffOptions {
  /** The first delay, in milliseconds (default 100). */
  initialDelayMs?: number;
  /** The longest delay, in milliseconds (default 2,000). */
  maxDelayMs?: number;
  /**
   * Spread each delay at random over [delay / 2, delay] so that many clients cut off together
   * do not come back together (default true).
   */
  jitter?: boolean;
}

/** The defaults of {@link BackoffOptions}. */
export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  initialDelayMs: 100,
  maxDelayMs: 2_000,
  jitter: true,
};

/**
 * The delay before retry number `retry` (1 for the first retry).
 *
 * @param retry - how many attempts have failed so far (at least 1).
 * @param options - the backoff; unset fields take {@link DEFAULT_BACKOFF}.
 */
export function backoffDelay(retry: number, options: BackoffOptions = {}): number {
  const { initialDelayMs, maxDelayMs, jitter } = { ...DEFAULT_BACKOFF, ...options };
  const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, retry - 1));
  return jitter ? delay / 2 + (Math.random() * delay) / 2 : delay;
}

/**
 * Resolve after `ms` milliseconds, or reject with the signal's reason as soon as it aborts.
 *
 * @param ms - how long to wait.
 * @param signal - cuts the wait short.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
