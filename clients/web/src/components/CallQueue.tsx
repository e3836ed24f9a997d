"use client";
/** The live calls of the tenant, refreshed every few seconds, each one a click from taken. */
import { useEffect, useState } from "react";
import { get } from "@/lib/http";
import { type Call, stateName } from "@/lib/types";

export function CallQueue({
  agent,
  currentCallId,
  onTake,
  onError,
}: {
  agent: string;
  currentCallId: string | null;
  onTake: (callId: string) => void;
  onError: (message: string | null) => void;
}) {
  const [calls, setCalls] = useState<Call[]>([]);
  useEffect(() => {
    let stopped = false;
    const load = async (): Promise<void> => {
      try {
        const answer = await get<{ calls: Call[] }>("/api/calls", agent);
        if (!stopped) {
          setCalls(answer.calls);
          onError(null);
        }
      } catch (err) {
        if (!stopped) onError((err as Error).message);
      }
    };
    void load();
    const every = setInterval(load, 3000);
    return () => {
      stopped = true;
      clearInterval(every);
    };
  }, [agent, onError]);
  return (
    <section aria-label="Live calls" className="card">
      <h2 className="label mb-2">Live calls</h2>
      {calls.length === 0 ? (
        <p className="text-sm text-slate-400">No live calls.</p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm">
          {calls.map((call) => (
            <li key={call.callId} className="flex items-center justify-between gap-2 py-1.5">
              <span>
                <span className="font-medium">{call.customerId}</span>{" "}
                <span className="text-xs text-slate-500">{stateName(call.state)}</span>
              </span>
              <button
                type="button"
                className="btn-secondary"
                disabled={call.callId === currentCallId}
                onClick={() => onTake(call.callId)}
                aria-label={`Take the call of ${call.customerId}`}
              >
                {call.callId === currentCallId ? "Yours" : "Take"}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
