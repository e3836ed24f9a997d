"use client";
/**
 * One LiveKit room the user is in (the call, or the consult room): microphone on, every remote
 * audio track played, a mute toggle, and clear states when LiveKit or the microphone fail.
 * Rooms are also kept on `window.__warmTransferRooms` by label, for diagnostics (WebRTC stats).
 */
import {
  LiveKitRoom,
  RoomAudioRenderer,
  TrackToggle,
  useConnectionState,
  useParticipants,
  useRoomContext,
} from "@livekit/components-react";
import { ConnectionState, type Room, Track } from "livekit-client";
import { useEffect, useState } from "react";

declare global {
  interface Window {
    __warmTransferRooms?: Record<string, Room>;
  }
}

const MICROPHONE_BLOCKED = "The microphone is blocked: allow it in the browser to be heard.";
/** getUserMedia's errors: the microphone, not LiveKit, is the problem. */
const MICROPHONE_ERRORS = new Set(["NotAllowedError", "NotFoundError", "NotReadableError"]);

export interface RoomAccess {
  token: string;
  livekitUrl: string;
}

export function MediaRoom({
  label,
  access,
  onLeft,
}: {
  label: string;
  access: RoomAccess;
  onLeft?: () => void;
}) {
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <LiveKitRoom
      serverUrl={access.livekitUrl}
      token={access.token}
      connect
      audio
      video={false}
      onError={(error) =>
        setProblem(
          MICROPHONE_ERRORS.has(error.name)
            ? MICROPHONE_BLOCKED
            : `LiveKit cannot be reached (${error.message}).`,
        )
      }
      onMediaDeviceFailure={() => setProblem(MICROPHONE_BLOCKED)}
      onDisconnected={() => onLeft?.()}
    >
      <RoomAudioRenderer />
      <RoomStatus label={label} problem={problem} />
    </LiveKitRoom>
  );
}

function RoomStatus({ label, problem }: { label: string; problem: string | null }) {
  const room = useRoomContext();
  const state = useConnectionState();
  const others = useParticipants().filter((p) => !p.isLocal && !p.identity.startsWith("warmtransfer-"));
  useEffect(() => {
    window.__warmTransferRooms ??= {};
    window.__warmTransferRooms[label] = room;
    return () => {
      delete window.__warmTransferRooms?.[label];
    };
  }, [label, room]);
  const connected = state === ConnectionState.Connected;
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm" data-room={label} data-state={state}>
      <span
        className={`inline-block h-2 w-2 rounded-full ${connected ? "bg-emerald-500" : "bg-amber-400"}`}
        aria-hidden
      />
      <span>
        {label}: {connected ? "connected" : state}
        {others.length > 0 && ` with ${others.map((p) => p.identity).join(", ")}`}
      </span>
      {connected && (
        <TrackToggle source={Track.Source.Microphone} className="btn-secondary" showIcon={false}>
          Microphone
        </TrackToggle>
      )}
      {problem && (
        <p role="alert" className="w-full text-rose-700">
          {problem}
        </p>
      )}
    </div>
  );
}
