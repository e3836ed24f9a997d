/**
 * Transport interceptors: authentication and retries of unary calls.
 *
 * @module
 */

import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { type BackoffOptions, backoffDelay, sleep } from "./backoff.js";

/**
 * Adds `authorization: Bearer <apiKey>` to every call, unary or streaming.
 *
 * @param apiKey - the API key the server knows the tenant by.
 */
export function authInterceptor(apiKey: string): Interceptor {
  const value = `Bearer ${apiKey}`;
  return (next) => async (req) => {
    req.header.set("authorization", value);
    return await next(req);
  };
}

/** When and how often a unary call that failed with UNAVAILABLE is tried again. */
export interface RetryOptions extends BackoffOptions {
  /** Attempts in all, the first included (default 5); 1 turns retries off. */
  maxAttempts?: number;
  /** Status codes worth another attempt (default: only UNAVAILABLE). */
  retryableCodes?: readonly Code[];
}

/**
 * Retries unary calls that fail with UNAVAILABLE (the server is unreachable, restarting or
 * shedding load: the request was not processed), with exponential backoff and a bounded number
 * of attempts. Streaming calls pass through untouched: they have their own resumption (see
 * `watchCall` and `TranscriptStreamer`). A call's deadline and abort signal cover all of its
 * attempts, and the wait between them.
 *
 * @param options - attempts and backoff.
 */
export function retryInterceptor(options: RetryOptions = {}): Interceptor {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const retryable = new Set<Code>(options.retryableCodes ?? [Code.Unavailable]);
  return (next) => async (req) => {
    if (req.stream) {
      return await next(req);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(req);
      } catch (err) {
        const code = ConnectError.from(err).code;
        if (!retryable.has(code) || attempt >= maxAttempts || req.signal.aborted) {
          throw err;
        }
        try {
          await sleep(backoffDelay(attempt, options), req.signal);
        } catch (reason) {
          // Cancelled or out of time while waiting: report that, not the last failure.
          throw ConnectError.from(reason, Code.Canceled);
        }
      }
    }
  };
}
