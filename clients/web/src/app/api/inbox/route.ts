import { WatchAgentResponseSchema, watchAgent } from "@warmtransfer/client";
import { api } from "@/server/api";
import { handle } from "@/server/errors";
import { json } from "@/server/json";
import { requireAgent } from "@/server/session";
import { sseResponse } from "@/server/sse";

export const dynamic = "force-dynamic";

/**
 * The transfers offered to the signed-in agent as Server-Sent Events (`event: offer`): the offers
 * under way first, then every change, each with its WatchAgent cursor as the event id.
 */
export async function GET(request: Request): Promise<Response> {
  return handle(async () => {
    const identity = await requireAgent(request);
    const after = request.headers.get("last-event-id") ?? "";
    return sseResponse(request, async function* (signal) {
      for await (const event of watchAgent(api(), identity, { afterCursor: after, signal })) {
        yield { id: event.cursor, event: "offer", data: json(WatchAgentResponseSchema, event) };
      }
    });
  });
}
