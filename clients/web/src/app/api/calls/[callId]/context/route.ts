import { GetCallContextResponseSchema } from "@warmtransfer/client";
import { api } from "@/server/api";
import { handle } from "@/server/errors";
import { reply } from "@/server/json";
import { requireAgent } from "@/server/session";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ callId: string }> };

/** The call's summary and the customer's previous calls (ContextService.GetCallContext). */
export async function GET(request: Request, { params }: Params): Promise<Response> {
  return handle(async () => {
    await requireAgent(request);
    const { callId } = await params;
    return reply(GetCallContextResponseSchema, await api().context.getCallContext({ callId }));
  });
}
