/** Calls to the console's own routes, as the agent of this tab. */

export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export async function post<T>(path: string, agent: string | null, body?: unknown): Promise<T> {
  return request<T>("POST", path, agent, body);
}

export async function get<T>(path: string, agent: string | null): Promise<T> {
  return request<T>("GET", path, agent);
}

async function request<T>(
  method: string,
  path: string,
  agent: string | null,
  body?: unknown,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        ...(agent ? { "x-agent": agent } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new RequestError(0, "The console cannot be reached. Is it still running?");
  }
  const answer = (await response.json().catch(() => ({}))) as { error?: string; code?: string };
  if (!response.ok) {
    throw new RequestError(response.status, answer.error ?? response.statusText, answer.code);
  }
  return answer as T;
}
