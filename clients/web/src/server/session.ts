/**
 * Who the console's user is. Sign-in is deliberately simple: an agent picks an identity and the
 * console keeps it in an HMAC-signed, HTTP-only cookie, one per identity, so one browser can be
 * signed in as several agents (one per tab: trying a transfer on one machine). A request names
 * the agent it acts as (`?as=` or the `x-agent` header) and must hold that agent's cookie.
 * Everything else asks `requireAgent()`, so an identity provider (OIDC, SAML behind a proxy)
 * slots in here alone: verify its session and return the agent's LiveKit identity.
 *
 *   CONSOLE_SESSION_SECRET  key for the cookie's signature (default: random per process, so
 *                           sessions end when the console restarts)
 */
import "server-only";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { cookies } from "next/headers";
import { ApiError } from "./errors";

const COOKIE_PREFIX = "wt_agent_";
const IDENTITY = /^[A-Za-z0-9_.@:+-]{1,128}$/;
const secret = process.env.CONSOLE_SESSION_SECRET ?? randomBytes(32).toString("hex");

function sign(identity: string): string {
  return createHmac("sha256", secret).update(identity).digest("base64url");
}

export function checkIdentity(identity: unknown, field = "identity"): string {
  if (typeof identity !== "string" || !IDENTITY.test(identity)) {
    throw new ApiError(400, `${field}: 1 to 128 letters, digits or the characters _ . @ : + -`);
  }
  return identity;
}

/** Start a session for `identity` (the sign-in form). */
function cookieName(identity: string): string {
  return COOKIE_PREFIX + Buffer.from(identity).toString("base64url");
}

export async function signIn(identity: string): Promise<void> {
  const jar = await cookies();
  jar.set(cookieName(identity), sign(identity), {
    httpOnly: true,
    sameSite: "strict",
    path: "/",
  });
}

export async function signOut(identity: string): Promise<void> {
  (await cookies()).delete(cookieName(identity));
}

/** The agent the request acts as, if this browser is signed in as it; else null. */
export async function currentAgent(request: Request): Promise<string | null> {
  const identity =
    new URL(request.url).searchParams.get("as") ?? request.headers.get("x-agent") ?? "";
  if (!IDENTITY.test(identity)) return null;
  const given = Buffer.from((await cookies()).get(cookieName(identity))?.value ?? "");
  const expected = Buffer.from(sign(identity));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return identity;
}

/** The agent the request acts as, or a 401. */
export async function requireAgent(request: Request): Promise<string> {
  const identity = await currentAgent(request);
  if (identity === null) throw new ApiError(401, "sign in first");
  return identity;
}
