/** Errors come back as the standard gRPC codes, with messages naming the field at fault. */

import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, describe, test } from "node:test";
import { Code, type Interceptor } from "../src/index.js";
import { assertRejectsWith, client, newCustomerId } from "./helpers.js";

describe("errors", () => {
  const wt = client();
  after(() => wt.close());

  test("GetCall with an empty call id is INVALID_ARGUMENT naming call_id", async () => {
    await assertRejectsWith(wt.calls.getCall({ callId: "" }), Code.InvalidArgument, "call_id");
  });

  test("SearchContext with an empty query is INVALID_ARGUMENT naming query", async () => {
    await assertRejectsWith(
      wt.context.searchContext({ query: "", customerId: newCustomerId() }),
      Code.InvalidArgument,
      "query",
    );
  });

  test("an unknown call is NOT_FOUND", async () => {
    await assertRejectsWith(
      wt.calls.getCall({ callId: "c_000000000000000000000000" }),
      Code.NotFound,
    );
  });

  test("a wrong API key is UNAUTHENTICATED, for unary and streaming calls alike", async () => {
    const intruder = client({ apiKey: "not-a-key" });
    try {
      await assertRejectsWith(
        intruder.calls.createCall({ customerId: newCustomerId() }),
        Code.Unauthenticated,
      );
      const { call } = await wt.calls.createCall({ customerId: newCustomerId() });
      const events = intruder.transcripts.watchCall({ callId: call?.callId ?? "" });
      await assertRejectsWith(
        (async () => {
          for await (const _ of events);
        })(),
        Code.Unauthenticated,
      );
    } finally {
      intruder.close();
    }
  });

  test("UNAVAILABLE unary calls are retried, a bounded number of times", async () => {
    let attempts = 0;
    const count: Interceptor = (next) => async (req) => {
      attempts++;
      return await next(req);
    };
    const unreachable = client({
      target: `127.0.0.1:${await closedPort()}`,
      retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
      interceptors: [count],
    });
    try {
      await assertRejectsWith(unreachable.calls.getCall({ callId: "c_1" }), Code.Unavailable);
      assert.equal(attempts, 3);
    } finally {
      unreachable.close();
    }
  });

  test("other codes are not retried", async () => {
    let attempts = 0;
    const count: Interceptor = (next) => async (req) => {
      attempts++;
      return await next(req);
    };
    const counted = client({ interceptors: [count] });
    try {
      await assertRejectsWith(counted.calls.getCall({ callId: "" }), Code.InvalidArgument);
      assert.equal(attempts, 1);
    } finally {
      counted.close();
    }
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}
