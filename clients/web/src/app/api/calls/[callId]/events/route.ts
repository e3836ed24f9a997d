import { WatchCallResponseSchema, watchCall } from "@warmtransfer/client";
import { api } from "@/server/api";
import { handle } from "@/server/errors";
import { json } from "@/server/json";
import { requireAgent } from "@/server/session";
import { sseResponse } from "@/server/sse";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ callId: string }> };

/**
 * Every event of the call as Server-Sent Events (`event: call`), each with the WatchCall cursor as
 * its id: a reconnecting browser sends `Last-Event-ID` and resumes right after it. Interim text
 * carries the cursor of the last stored event, so a reconnect never skips a stored one.
 */
export async function GET(request: Request, { params }: Params): Promise<Response> {
  return handle(async () => {
    await requireAgent(request);
    const { callId } = await params;
    const after = request.headers.get("last-event-id") ?? new URL(request.url).searchParams.get("after") ?? "";
    return sseResponse(request, async function* (signal) {
      for await (const event of watchCall(api(), callId, { afterCursor: after, signal })) {
        yield { id: event.cursor, event: "call", data: json(WatchCallResponseSchema, event) };
      }
    });
  });
}
