import { handle } from "@/server/errors";
import { checkIdentity, currentAgent, signIn, signOut } from "@/server/session";

export const dynamic = "force-dynamic";

/** Whether this browser is signed in as the agent named by `?as=`. */
export async function GET(request: Request): Promise<Response> {
  return handle(async () => Response.json({ identity: await currentAgent(request) }));
}

/** Sign in as an agent: `{"identity": "agent-a"}`. */
export async function POST(request: Request): Promise<Response> {
  return handle(async () => {
    const body = (await request.json().catch(() => ({}))) as { identity?: unknown };
    const identity = checkIdentity(body.identity);
    await signIn(identity);
    return Response.json({ identity });
  });
}

/** Sign out the agent named by `?as=`. */
export async function DELETE(request: Request): Promise<Response> {
  return handle(async () => {
    await signOut(checkIdentity(new URL(request.url).searchParams.get("as"), "as"));
    return Response.json({ identity: null });
  });
}
