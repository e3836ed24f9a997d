import { SearchContextResponseSchema } from "@warmtransfer/client";
import { api } from "@/server/api";
import { handle } from "@/server/errors";
import { reply } from "@/server/json";
import { requireAgent } from "@/server/session";

export const dynamic = "force-dynamic";

/** Search the tenant's redacted call history: `?q=...&customerId=...`. */
export async function GET(request: Request): Promise<Response> {
  return handle(async () => {
    await requireAgent(request);
    const url = new URL(request.url);
    const found = await api().context.searchContext({
      query: url.searchParams.get("q") ?? "",
      customerId: url.searchParams.get("customerId") ?? "",
      limit: 10,
    });
    return reply(SearchContextResponseSchema, found);
  });
}
