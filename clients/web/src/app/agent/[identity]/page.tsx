import { cookies } from "next/headers";
import { AgentConsole } from "@/components/AgentConsole";
import { SignIn } from "@/components/SignIn";
import { currentAgent } from "@/server/session";

export const dynamic = "force-dynamic";

export default async function AgentPage({ params }: { params: Promise<{ identity: string }> }) {
  const identity = decodeURIComponent((await params).identity);
  await cookies();
  const request = new Request(`http://console/?as=${encodeURIComponent(identity)}`);
  if ((await currentAgent(request)) !== identity) {
    return (
      <div className="space-y-3">
        <h1 className="text-xl font-semibold">Sign in as {identity}</h1>
        <SignIn identity={identity} />
      </div>
    );
  }
  return <AgentConsole agent={identity} />;
}
