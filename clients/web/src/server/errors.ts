/** Errors of the console's own routes, and gRPC errors turned into HTTP answers. */
import { Code, ConnectError } from "@warmtransfer/client";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const HTTP_STATUS: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.OutOfRange]: 400,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.FailedPrecondition]: 409,
  [Code.ResourceExhausted]: 429,
  [Code.Unavailable]: 503,
  [Code.DeadlineExceeded]: 504,
};

/** What the browser is told of a failure: a status and a sentence it can show. */
export function toResponse(err: unknown): Response {
  if (err instanceof ApiError) {
    return Response.json({ error: err.message }, { status: err.status });
  }
  const error = ConnectError.from(err);
  if (error.code === Code.Unavailable) {
    return Response.json(
      { error: "The Warm Transfer server cannot be reached. Is it running?", code: "unavailable" },
      { status: 503 },
    );
  }
  return Response.json(
    { error: error.rawMessage, code: Code[error.code] },
    { status: HTTP_STATUS[error.code] ?? 500 },
  );
}

/** Run a route's work; any failure becomes its HTTP answer. */
export async function handle(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (err) {
    return toResponse(err);
  }
}
