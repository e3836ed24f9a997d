/**
 * Server-Sent Events from a resumable gRPC stream. Each event's `id:` is the stream's cursor, so
 * a browser that reconnects sends it back as `Last-Event-ID` and misses nothing; a closed tab
 * aborts the request, which cancels the gRPC stream. Plain route handler, no compression, and
 * `no-transform` so no proxy buffers it.
 */
import "server-only";
import { toResponse } from "./errors";

const KEEPALIVE_MS = 15_000;

export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

export function sseResponse(
  request: Request,
  events: (signal: AbortSignal) => AsyncIterable<SseEvent>,
): Response {
  const abort = new AbortController();
  request.signal.addEventListener("abort", () => abort.abort(), { once: true });
  const encoder = new TextEncoder();
  let keepalive: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string): void => {
        if (!abort.signal.aborted) controller.enqueue(encoder.encode(text));
      };
      send("retry: 1000\n\n");
      keepalive = setInterval(() => send(": keepalive\n\n"), KEEPALIVE_MS);
      try {
        for await (const item of events(abort.signal)) {
          const id = item.id ? `id: ${item.id}\n` : "";
          send(`${id}event: ${item.event}\ndata: ${JSON.stringify(item.data)}\n\n`);
        }
        send("event: end\ndata: {}\n\n");
      } catch (err) {
        if (!abort.signal.aborted) {
          const answer = await toResponse(err).json();
          send(`event: failure\ndata: ${JSON.stringify(answer)}\n\n`);
        }
      } finally {
        clearInterval(keepalive);
        if (!abort.signal.aborted) controller.close();
      }
    },
    cancel() {
      clearInterval(keepalive);
      abort.abort();
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    },
  });
}
