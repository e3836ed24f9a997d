/**
 * Shared by the tests: the live server they run against, a scripted conversation, and
 * assertions on gRPC status codes.
 */

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import {
  Code,
  ConnectError,
  type ConnectOptions,
  type SegmentInit,
  SpeakerRole,
  type WarmTransferClient,
  connect,
} from "../src/index.js";

/** The server under test, from the environment; the tests fail (not skip) without one. */
export const server = ((): { target: string; apiKey: string } => {
  const target = process.env.WARMTRANSFER_TARGET;
  const apiKey = process.env.WARMTRANSFER_API_KEY;
  if (!target || !apiKey) {
    throw new Error(
      "WARMTRANSFER_TARGET and WARMTRANSFER_API_KEY must name a running Warm Transfer server",
    );
  }
  return { target, apiKey };
})();

/** A client of the server under test; `overrides` replace any option. */
export function client(overrides: Partial<ConnectOptions> = {}): WarmTransferClient {
  return connect({ ...server, ...overrides });
}

/** A customer id no other test (or earlier run) uses. */
export function newCustomerId(): string {
  return `ts-test-${randomUUID()}`;
}

const { CALLER, AGENT } = SpeakerRole;

/** A support call whose reason is plain: the internet drops every evening. */
export const SCRIPT: readonly (readonly [SpeakerRole, string])[] = [
  [AGENT, "Thanks for calling Northwind Broadband, how can I help you today?"],
  [CALLER, "My internet keeps dropping every evening, it has happened all week."],
  [AGENT, "I'm sorry about that. Have you tried restarting the router?"],
  [CALLER, "Yes, I restarted the router twice and the connection still drops."],
  [AGENT, "I can see the modem lost its connection six times yesterday evening."],
  [AGENT, "I've reset your line and pushed a firmware update to the modem."],
  [CALLER, "Okay. Can I get a credit for the evenings it was down?"],
  [AGENT, "Billing handles credits, so I'll transfer you to a billing specialist."],
  [CALLER, "Fine, thank you for your help."],
  [AGENT, "You're welcome, please hold while I bring in my colleague."],
];

/** The script (or its first `count` lines) as final segments with seqs 1, 2, ... */
export function segments(count = SCRIPT.length): SegmentInit[] {
  return SCRIPT.slice(0, count).map(([role, text], index) => ({
    seq: BigInt(index + 1),
    speakerIdentity: role === CALLER ? "caller" : "agent-a",
    speakerRole: role,
    text,
    isFinal: true,
  }));
}

/** Assert that `promise` rejects with a `ConnectError` of `code` whose message names `field`. */
export async function assertRejectsWith(
  promise: Promise<unknown>,
  code: Code,
  field?: string,
): Promise<ConnectError> {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof ConnectError, `expected a ConnectError, got ${String(error)}`);
  assert.equal(Code[error.code], Code[code], error.message);
  if (field !== undefined) {
    assert.match(error.rawMessage, new RegExp(`\\b${field}\\b`), error.rawMessage);
  }
  return error;
}
