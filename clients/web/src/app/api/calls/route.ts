import {
  CallState,
  ListCallsResponseSchema,
  ParticipantRole,
} from "@warmtransfer/client";
import { api } from "@/server/api";
import { ApiError, handle } from "@/server/errors";
import { json } from "@/server/json";
import { requireAgent } from "@/server/session";

export const dynamic = "force-dynamic";

/** The live calls an agent can take (newest first). */
export async function GET(request: Request): Promise<Response> {
  return handle(async () => {
    await requireAgent(request);
    const calls = [];
    for (const state of [CallState.ACTIVE, CallState.ON_HOLD, CallState.TRANSFERRING]) {
      const page = await api().calls.listCalls({ state, pageSize: 50 });
      calls.push(...((json(ListCallsResponseSchema, page) as { calls: unknown[] }).calls ?? []));
    }
    return Response.json({ calls });
  });
}

const CUSTOMER = /^[A-Za-z0-9_.:-]{1,64}$/;
const NAME = /^[A-Za-z0-9_.@:+-]{1,64}$/;

/**
 * The caller page starts a call: `{"customerId": "CUST-1", "name": "maria"}` → the call and the
 * caller's join token.
 */
export async function POST(request: Request): Promise<Response> {
  return handle(async () => {
    const body = (await request.json().catch(() => ({}))) as Record<string, unknown>;
    const customerId = String(body.customerId ?? "");
    const name = String(body.name ?? "");
    if (!CUSTOMER.test(customerId)) throw new ApiError(400, "customerId: 1 to 64 letters or digits");
    if (!NAME.test(name)) throw new ApiError(400, "name: 1 to 64 letters or digits, no spaces");
    const { call } = await api().calls.createCall({ customerId, metadata: { channel: "web" } });
    const callId = call?.callId ?? "";
    const token = await api().calls.issueToken({
      callId,
      identity: name,
      role: ParticipantRole.CALLER,
    });
    return Response.json({ callId, token: token.token, livekitUrl: token.livekitUrl });
  });
}
