"use client";
/**
 * A Server-Sent Events stream of one of the console's routes. The browser reconnects by itself
 * and sends the last event id back (`Last-Event-ID`), so a dropped connection or a restarted
 * server loses nothing; `status` says whether the stream is live.
 */
import { useEffect, useRef, useState } from "react";

export type StreamStatus = "idle" | "connecting" | "live" | "reconnecting" | "ended" | "failed";

export function useEventStream<T>(
  url: string | null,
  event: string,
  onEvent: (data: T) => void,
): { status: StreamStatus; error: string | null } {
  const [status, setStatus] = useState<StreamStatus>("idle");
  const [error, setError] = useState<string | null>(null);
  const handler = useRef(onEvent);
  handler.current = onEvent;

  useEffect(() => {
    if (url === null) {
      setStatus("idle");
      return;
    }
    setStatus("connecting");
    setError(null);
    const source = new EventSource(url);
    source.onopen = () => setStatus("live");
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        setStatus("failed");
        setError("The console stopped answering.");
      } else {
        setStatus("reconnecting");
      }
    };
    source.addEventListener(event, (message) => {
      setStatus("live");
      handler.current(JSON.parse((message as MessageEvent<string>).data) as T);
    });
    source.addEventListener("failure", (message) => {
      const data = JSON.parse((message as MessageEvent<string>).data) as { error?: string };
      setError(data.error ?? "The stream failed.");
      if (data && (data as { code?: string }).code === "unavailable") {
        setStatus("reconnecting"); // the browser tries again by itself
      } else {
        setStatus("failed");
        source.close();
      }
    });
    source.addEventListener("end", () => {
      setStatus("ended");
      source.close();
    });
    return () => source.close();
  }, [url, event]);

  return { status, error };
}
