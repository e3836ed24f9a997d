import { BriefingSchema, TransferSchema } from "@warmtransfer/client";
import { api } from "@/server/api";
import { ApiError, handle } from "@/server/errors";
import { json } from "@/server/json";
import { requireAgent } from "@/server/session";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ transferId: string; action: string }> };

async function requireReceiver(transferId: string, identity: string): Promise<void> {
  const { transfer } = await api().transfers.getTransfer({ transferId });
  if (transfer?.toIdentity !== identity) {
    throw new ApiError(403, "this transfer is offered to another agent");
  }
}

/** `complete`, `cancel` (either agent), `accept`, `decline` (the receiving agent only). */
export async function POST(request: Request, { params }: Params): Promise<Response> {
  return handle(async () => {
    const identity = await requireAgent(request);
    const { transferId, action } = await params;
    switch (action) {
      case "complete": {
        const done = await api().transfers.completeTransfer({ transferId });
        return Response.json({ transfer: done.transfer && json(TransferSchema, done.transfer) });
      }
      case "cancel": {
        const done = await api().transfers.cancelTransfer({ transferId });
        return Response.json({ transfer: done.transfer && json(TransferSchema, done.transfer) });
      }
      case "accept": {
        await requireReceiver(transferId, identity);
        const accepted = await api().transfers.acceptTransfer({ transferId });
        return Response.json({
          transfer: accepted.transfer && json(TransferSchema, accepted.transfer),
          briefing: accepted.briefing && json(BriefingSchema, accepted.briefing),
          consultToken: accepted.consultToken,
          livekitUrl: accepted.livekitUrl,
        });
      }
      case "decline": {
        await requireReceiver(transferId, identity);
        const body = (await request.json().catch(() => ({}))) as { reason?: unknown };
        const declined = await api().transfers.declineTransfer({
          transferId,
          reason: String(body.reason ?? ""),
        });
        return Response.json({
          transfer: declined.transfer && json(TransferSchema, declined.transfer),
        });
      }
      default:
        throw new ApiError(404, `no action ${JSON.stringify(action)} on a transfer`);
    }
  });
}
