"use client";
/**
 * The agent's console: take a call, hear and speak, follow the transcript and the rolling
 * summary, hold, transfer warm to a colleague and watch the transfer through; and, as the
 * colleague, be offered a transfer with its briefing, accept or decline it, consult, take the
 * caller.
 */
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { post } from "@/lib/http";
import {
  ACTIVE_TRANSFER,
  type Briefing,
  type OfferEvent,
  type Transfer,
  stateName,
} from "@/lib/types";
import { useCall } from "@/lib/useCall";
import { useEventStream } from "@/lib/useEventStream";
import { CallQueue } from "./CallQueue";
import { HistoryPanel } from "./HistoryPanel";
import { MediaRoom, type RoomAccess } from "./MediaRoom";
import { SummaryPanel } from "./SummaryPanel";
import { Transcript } from "./Transcript";

interface Offer {
  transfer: Transfer;
  briefing?: Briefing;
}

const ENDED_WHY: Record<string, string> = {
  TRANSFER_STATE_CANCELLED: "was cancelled",
  TRANSFER_STATE_DECLINED: "was declined",
  TRANSFER_STATE_FAILED: "failed",
};

/** What A is told when the transfer it started ends without completing. */
function endedNotice(t: Transfer): string {
  if (t.state === "TRANSFER_STATE_DECLINED") {
    const why = t.endReason.split(": ").slice(1).join(": ");
    return `${t.toIdentity} declined the transfer${why ? ` (${why})` : ""}. You are back with the caller.`;
  }
  if (t.state === "TRANSFER_STATE_CANCELLED") {
    return "Transfer cancelled. You are back with the caller.";
  }
  const back = t.endReason === "the caller hung up" ? "" : " You are back with the caller.";
  return `The transfer to ${t.toIdentity} failed: ${t.endReason}.${back}`;
}

export function AgentConsole({ agent }: { agent: string }) {
  const [callId, setCallId] = useState<string | null>(null);
  const [callRoom, setCallRoom] = useState<RoomAccess | null>(null);
  const [consultRoom, setConsultRoom] = useState<RoomAccess | null>(null);
  const [outgoing, setOutgoing] = useState<string | null>(null); // the transfer I started
  const [accepted, setAccepted] = useState<string | null>(null); // the offer I accepted
  const [offers, setOffers] = useState<Record<string, Offer>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const call = useCall(agent, callId);

  const act = useCallback(async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);

  const take = (id: string): Promise<void> =>
    act(async () => {
      const access = await post<RoomAccess>(`/api/calls/${id}/join`, agent);
      setCallId(id);
      setCallRoom(access);
      setNotice(null);
    });

  // Offers to me, from my own stream: B learns of a transfer without knowing the call.
  const inbox = useEventStream<OfferEvent>(
    `/api/inbox?as=${encodeURIComponent(agent)}`,
    "offer",
    useCallback((event: OfferEvent) => {
      setOffers((before) => ({
        ...before,
        [event.transfer.transferId]: {
          transfer: event.transfer,
          briefing: event.briefing ?? before[event.transfer.transferId]?.briefing,
        },
      }));
    }, []),
  );

  // The offer I accepted moves on: take the caller when it completes, step back when it ends.
  const mine = accepted ? offers[accepted]?.transfer : undefined;
  useEffect(() => {
    if (!mine) return;
    if (mine.state === "TRANSFER_STATE_COMPLETING" && !callRoom) {
      void act(async () => {
        const access = await post<RoomAccess>(`/api/calls/${mine.callId}/join`, agent);
        setCallRoom(access); // the self-hosted re-join: nothing for me to do
        setConsultRoom(null);
      });
    } else if (mine.state === "TRANSFER_STATE_COMPLETED") {
      setConsultRoom(null);
      setNotice(`You have the caller now (from ${mine.fromIdentity}).`);
    } else if (ENDED_WHY[mine.state]) {
      setConsultRoom(null);
      setAccepted(null);
      setCallId(null);
      setNotice(`The transfer from ${mine.fromIdentity} ${ENDED_WHY[mine.state]}: ${mine.endReason}`);
    }
  }, [mine, callRoom, agent, act]);

  // The transfer I started moves on (seen on the call's own stream).
  const transfer = call.transfer && call.transfer.transferId === outgoing ? call.transfer : null;
  useEffect(() => {
    if (!transfer) return;
    if (transfer.state === "TRANSFER_STATE_COMPLETED") {
      setConsultRoom(null);
      setCallRoom(null);
      setOutgoing(null);
      setNotice(`Call handed over to ${transfer.toIdentity}.`);
    } else if (ENDED_WHY[transfer.state]) {
      setConsultRoom(null);
      setOutgoing(null);
      setNotice(endedNotice(transfer));
    }
  }, [transfer]);

  const openOffers = Object.values(offers).filter(
    (o) => ACTIVE_TRANSFER.has(o.transfer.state) && o.transfer.transferId !== accepted,
  );
  const acceptedOffer = accepted ? offers[accepted] : undefined;
  const onHold = call.callState === "CALL_STATE_ON_HOLD";

  return (
    <div className="grid gap-4 lg:grid-cols-[18rem_1fr_22rem]">
      <div className="space-y-4">
        <section className="card text-sm" aria-label="Agent">
          <p>
            Signed in as <strong data-testid="agent">{agent}</strong>
          </p>
          <p className="text-xs text-slate-500">
            Offers: {inbox.status === "live" ? "listening" : inbox.status}
          </p>
        </section>
        {serverError && (
          <p role="alert" className="card text-sm text-rose-700" data-testid="server-error">
            {serverError}
          </p>
        )}
        {openOffers.map((offer) => (
          <OfferCard
            key={offer.transfer.transferId}
            offer={offer}
            onAccept={() =>
              act(async () => {
                const answer = await post<{ consultToken: string; livekitUrl: string; briefing: Briefing }>(
                  `/api/transfers/${offer.transfer.transferId}/accept`,
                  agent,
                );
                setOffers((before) => ({
                  ...before,
                  [offer.transfer.transferId]: { ...offer, briefing: answer.briefing },
                }));
                setAccepted(offer.transfer.transferId);
                setCallId(offer.transfer.callId);
                setConsultRoom({ token: answer.consultToken, livekitUrl: answer.livekitUrl });
                setNotice(null);
              })
            }
            onDecline={(reason) =>
              act(async () => {
                await post(`/api/transfers/${offer.transfer.transferId}/decline`, agent, { reason });
              })
            }
          />
        ))}
        <CallQueue
          agent={agent}
          currentCallId={callRoom ? callId : null}
          onTake={take}
          onError={setServerError}
        />
      </div>

      <div className="space-y-4">
        {notice && (
          <p role="status" className="card text-sm text-indigo-800" data-testid="notice">
            {notice}
          </p>
        )}
        {error && (
          <p role="alert" className="card text-sm text-rose-700" data-testid="error">
            {error}
          </p>
        )}
        <section className="card space-y-2" aria-label="Audio">
          {callRoom ? (
            <MediaRoom label="call" access={callRoom} />
          ) : (
            <p className="text-sm text-slate-400">Not on a call.</p>
          )}
          {consultRoom && <MediaRoom label="consult" access={consultRoom} />}
        </section>
        {callId && (
          <>
            {call.status !== "live" && call.status !== "ended" && (
              <p className="text-xs text-amber-700" role="status">
                Transcript {call.status}
                {call.error ? `: ${call.error}` : ""}
              </p>
            )}
            {call.callerLeft && (
              <p role="status" className="text-sm text-rose-700">
                The caller hung up.
              </p>
            )}
            <Transcript callId={callId} finals={call.finals} interims={call.interims} />
          </>
        )}
      </div>

      <div className="space-y-4">
        {acceptedOffer && ACTIVE_TRANSFER.has(acceptedOffer.transfer.state) && (
          <section className="card space-y-2 text-sm" aria-label="Incoming transfer">
            <h2 className="label">Transfer from {acceptedOffer.transfer.fromIdentity}</h2>
            <p data-testid="incoming-state">{stateName(acceptedOffer.transfer.state)}</p>
            {acceptedOffer.transfer.state === "TRANSFER_STATE_CONSULTING" && (
              <button
                type="button"
                className="btn-primary"
                onClick={() =>
                  act(async () => {
                    await post(`/api/transfers/${acceptedOffer.transfer.transferId}/complete`, agent);
                  })
                }
              >
                Take the caller
              </button>
            )}
          </section>
        )}
        {callId && (
          <SummaryPanel summary={call.summary} newerSeqs={call.finals.map((f) => f.seq)} />
        )}
        {callId && callRoom && !accepted && (
          <TransferControls
            transfer={transfer}
            onHold={onHold}
            onStart={(toIdentity, reason) =>
              act(async () => {
                const answer = await post<{ transfer: Transfer } & RoomAccess & { consultToken: string }>(
                  "/api/transfers",
                  agent,
                  { callId, toIdentity, reason },
                );
                setOutgoing(answer.transfer.transferId);
                setConsultRoom({ token: answer.consultToken, livekitUrl: answer.livekitUrl });
                setNotice(null);
              })
            }
            onComplete={() =>
              act(async () => {
                if (outgoing) await post(`/api/transfers/${outgoing}/complete`, agent);
              })
            }
            onCancel={() =>
              act(async () => {
                if (outgoing) await post(`/api/transfers/${outgoing}/cancel`, agent);
              })
            }
            onHoldToggle={() =>
              act(async () => {
                await post(`/api/calls/${callId}/${onHold ? "resume" : "hold"}`, agent);
              })
            }
            onEnd={() =>
              act(async () => {
                await post(`/api/calls/${callId}/end`, agent);
                setCallRoom(null);
                setConsultRoom(null);
                setNotice("Call ended. Its final summary is in the call history.");
              })
            }
          />
        )}
        <HistoryPanel agent={agent} />
      </div>
    </div>
  );
}

function OfferCard({
  offer,
  onAccept,
  onDecline,
}: {
  offer: Offer;
  onAccept: () => void;
  onDecline: (reason: string) => void;
}) {
  const [reason, setReason] = useState("");
  const t = offer.transfer;
  return (
    <section
      className="card space-y-2 ring-2 ring-indigo-400"
      aria-label={`Transfer offered by ${t.fromIdentity}`}
      data-testid="offer"
    >
      <h2 className="text-sm font-semibold">
        {t.fromIdentity} wants to transfer a call to you
      </h2>
      {t.reason && <p className="text-sm">“{t.reason}”</p>}
      <SummaryPanel
        summary={offer.briefing?.summary ?? null}
        pending={offer.briefing?.pendingSegments}
        title="Briefing"
      />
      <div className="flex flex-wrap gap-2">
        <button type="button" className="btn-primary" onClick={onAccept}>
          Accept
        </button>
        <label className="sr-only" htmlFor={`decline-${t.transferId}`}>
          Why you decline
        </label>
        <input
          id={`decline-${t.transferId}`}
          className="field w-36 flex-1"
          placeholder="Why (optional)"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <button type="button" className="btn-secondary" onClick={() => onDecline(reason)}>
          Decline
        </button>
      </div>
    </section>
  );
}

function TransferControls({
  transfer,
  onHold,
  onStart,
  onComplete,
  onCancel,
  onHoldToggle,
  onEnd,
}: {
  transfer: Transfer | null;
  onHold: boolean;
  onStart: (toIdentity: string, reason: string) => void;
  onComplete: () => void;
  onCancel: () => void;
  onHoldToggle: () => void;
  onEnd: () => void;
}) {
  const [to, setTo] = useState("");
  const [reason, setReason] = useState("");
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    onStart(to.trim(), reason);
  };
  const active = transfer && ACTIVE_TRANSFER.has(transfer.state);
  return (
    <section className="card space-y-3 text-sm" aria-label="Call controls">
      <h2 className="label">Call controls</h2>
      {!active && (
        <div className="flex gap-2">
          <button type="button" className="btn-secondary" onClick={onHoldToggle}>
            {onHold ? "Resume" : "Hold"}
          </button>
          <button type="button" className="btn-danger" onClick={onEnd}>
            End call
          </button>
        </div>
      )}
      {active ? (
        <div className="space-y-2">
          <p data-testid="transfer-state">
            Transfer to <strong>{transfer.toIdentity}</strong>: {stateName(transfer.state)}
            {transfer.acceptedAt ? " (accepted)" : " (waiting for an answer)"}
          </p>
          {transfer.state === "TRANSFER_STATE_CONSULTING" && (
            <div className="flex gap-2">
              <button type="button" className="btn-primary" onClick={onComplete}>
                Complete transfer
              </button>
              <button type="button" className="btn-secondary" onClick={onCancel}>
                Cancel transfer
              </button>
            </div>
          )}
        </div>
      ) : (
        <form onSubmit={submit} className="space-y-2">
          <div>
            <label className="label" htmlFor="transfer-to">
              Transfer to
            </label>
            <input
              id="transfer-to"
              className="field"
              placeholder="colleague's identity, e.g. agent-b"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              required
            />
          </div>
          <div>
            <label className="label" htmlFor="transfer-reason">
              Why
            </label>
            <input
              id="transfer-reason"
              className="field"
              placeholder="e.g. billing dispute"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
          <button type="submit" className="btn-primary">
            Transfer
          </button>
        </form>
      )}
    </section>
  );
}
