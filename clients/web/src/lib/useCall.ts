"use client";
/** A call as the agent sees it, folded from its WatchCall events (see the events route). */
import { useCallback, useState } from "react";
import type { CallEvent, Segment, Summary, Transfer } from "./types";
import { type StreamStatus, useEventStream } from "./useEventStream";

export interface CallView {
  finals: Segment[];
  interims: Record<string, Segment>;
  summary: Summary | null;
  transfer: Transfer | null;
  callState: string;
  callerLeft: boolean;
  status: StreamStatus;
  error: string | null;
}

const EMPTY = {
  finals: [] as Segment[],
  interims: {} as Record<string, Segment>,
  summary: null as Summary | null,
  transfer: null as Transfer | null,
  callState: "",
  callerLeft: false,
};

export function useCall(agent: string, callId: string | null): CallView {
  const [view, setView] = useState({ ...EMPTY, callId });
  const current = view.callId === callId ? view : { ...EMPTY, callId };

  const onEvent = useCallback(
    (event: CallEvent) =>
      setView((before) => {
        const v = before.callId === event.callId ? before : { ...EMPTY, callId: event.callId };
        if (event.segmentAdded) {
          const segment = event.segmentAdded.segment;
          if (v.finals.some((s) => s.seq === segment.seq)) return v; // never twice
          const interims = { ...v.interims };
          delete interims[segment.speakerIdentity];
          return { ...v, finals: [...v.finals, segment], interims };
        }
        if (event.segmentRedacted) {
          const segment = event.segmentRedacted.segment;
          const finals = v.finals.map((s) => (s.seq === segment.seq ? { ...s, text: segment.text } : s));
          return { ...v, finals };
        }
        if (event.segmentInterim) {
          const segment = event.segmentInterim.segment;
          return { ...v, interims: { ...v.interims, [segment.speakerIdentity]: segment } };
        }
        if (event.summaryUpdated) return { ...v, summary: event.summaryUpdated.summary };
        if (event.transferStateChanged) return { ...v, transfer: event.transferStateChanged.transfer };
        if (event.callStateChanged) return { ...v, callState: event.callStateChanged.call.state };
        if (event.participantChanged) {
          const { participant, kind } = event.participantChanged;
          if (participant.role === "PARTICIPANT_ROLE_CALLER") {
            return { ...v, callerLeft: kind === "PARTICIPANT_EVENT_KIND_LEFT" };
          }
        }
        return v;
      }),
    [],
  );
  const url = callId ? `/api/calls/${callId}/events?as=${encodeURIComponent(agent)}` : null;
  const { status, error } = useEventStream<CallEvent>(url, "call", onEvent);
  return { ...current, status, error };
}
