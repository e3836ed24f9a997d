import { CallSchema, ParticipantRole } from "@warmtransfer/client";
import { api } from "@/server/api";
import { ApiError, handle } from "@/server/errors";
import { json } from "@/server/json";
import { requireAgent } from "@/server/session";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ callId: string; action: string }> };

/**
 * What the signed-in agent does to a call: `join` (a join token for the call's room), `hold`,
 * `resume`, `end`.
 */
export async function POST(request: Request, { params }: Params): Promise<Response> {
  return handle(async () => {
    const identity = await requireAgent(request);
    const { callId, action } = await params;
    switch (action) {
      case "join": {
        const token = await api().calls.issueToken({
          callId,
          identity,
          role: ParticipantRole.AGENT,
        });
        return Response.json({ token: token.token, livekitUrl: token.livekitUrl, identity });
      }
      case "hold": {
        const { call } = await api().calls.holdCall({ callId });
        return Response.json({ call: call && json(CallSchema, call) });
      }
      case "resume": {
        const { call } = await api().calls.resumeCall({ callId });
        return Response.json({ call: call && json(CallSchema, call) });
      }
      case "end": {
        const { call } = await api().calls.endCall({ callId });
        return Response.json({ call: call && json(CallSchema, call) });
      }
      default:
        throw new ApiError(404, `no action ${JSON.stringify(action)} on a call`);
    }
  });
}
