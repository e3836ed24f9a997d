import { BriefingSchema, TransferSchema } from "@warmtransfer/client";
import { api } from "@/server/api";
import { handle } from "@/server/errors";
import { json } from "@/server/json";
import { checkIdentity, requireAgent } from "@/server/session";

export const dynamic = "force-dynamic";

/**
 * The signed-in agent (A) starts a transfer: `{"callId", "toIdentity", "reason"}` → the transfer,
 * the briefing and A's consult-room token. B's token is B's to ask for (accept).
 */
export async function POST(request: Request): Promise<Response> {
  return handle(async () => {
    const fromIdentity = await requireAgent(request);
    const body = (await request.json().catch(() => ({}))) as Record<string, unknown>;
    const toIdentity = checkIdentity(body.toIdentity, "toIdentity");
    const started = await api().transfers.startTransfer({
      callId: String(body.callId ?? ""),
      fromIdentity,
      toIdentity,
      reason: String(body.reason ?? ""),
    });
    return Response.json({
      transfer: started.transfer && json(TransferSchema, started.transfer),
      briefing: started.briefing && json(BriefingSchema, started.briefing),
      consultToken: started.fromConsultToken,
      livekitUrl: started.livekitUrl,
    });
  });
}
