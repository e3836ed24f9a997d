"use client";
/** Be the caller: start a call to support and talk; hear the agent, hold music, the new agent. */
import { type FormEvent, useState } from "react";
import { post } from "@/lib/http";
import { MediaRoom, type RoomAccess } from "./MediaRoom";

export function CallerView() {
  const [name, setName] = useState("maria");
  const [customerId, setCustomerId] = useState("CUST-1001");
  const [call, setCall] = useState<(RoomAccess & { callId: string }) | null>(null);
  const [ended, setEnded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const start = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    setEnded(false);
    try {
      setCall(await post("/api/calls", null, { name: name.trim(), customerId: customerId.trim() }));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div className="max-w-xl space-y-4">
      <h1 className="text-2xl font-semibold">Caller</h1>
      {call ? (
        <section className="card space-y-3" aria-label="Your call">
          <p className="text-sm">
            Calling support as <strong>{name}</strong> (customer {customerId}).
          </p>
          <MediaRoom label="call" access={call} onLeft={() => setEnded(true)} />
          <button
            type="button"
            className="btn-danger"
            onClick={() => {
              setCall(null);
              setEnded(true);
            }}
          >
            Hang up
          </button>
        </section>
      ) : (
        <form onSubmit={start} className="card space-y-3" aria-label="Call support">
          <div>
            <label className="label" htmlFor="caller-name">
              Your name
            </label>
            <input
              id="caller-name"
              className="field"
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
            />
          </div>
          <div>
            <label className="label" htmlFor="caller-customer">
              Customer id
            </label>
            <input
              id="caller-customer"
              className="field"
              value={customerId}
              onChange={(e) => setCustomerId(e.target.value)}
              required
            />
          </div>
          <button type="submit" className="btn-primary">
            Call support
          </button>
          {ended && <p className="text-sm text-slate-500">Call ended.</p>}
        </form>
      )}
      {error && (
        <p role="alert" className="text-sm text-rose-700">
          {error}
        </p>
      )}
    </div>
  );
}
