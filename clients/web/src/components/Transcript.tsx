"use client";
/** The live transcript: final lines by speaker, each speaker's words in progress below them, and
 * redactions (`<PERSON>`, `<CREDIT_CARD>` ...) marked as they happen. The box keeps its size and
 * follows the newest line, so nothing on the page jumps while the call streams. */
import { useEffect, useRef } from "react";
import type { Segment } from "@/lib/types";

const TAG = /(<[A-Z_]+>)/g;

function Redacted({ text }: { text: string }) {
  return (
    <>
      {text.split(TAG).map((part, i) =>
        TAG.test(part) ? (
          <mark
            key={i}
            className="rounded bg-amber-100 px-1 text-xs font-semibold text-amber-900"
            title="redacted"
          >
            {part.slice(1, -1).replaceAll("_", " ").toLowerCase()}
          </mark>
        ) : (
          <span key={i}>{part}</span>
        ),
      )}
    </>
  );
}

function who(segment: Segment): string {
  const role = segment.speakerRole.replace("SPEAKER_ROLE_", "").toLowerCase();
  return `${segment.speakerIdentity || role}${role && role !== "unspecified" ? ` (${role})` : ""}`;
}

export function Transcript({
  callId,
  finals,
  interims,
}: {
  callId: string;
  finals: Segment[];
  interims: Record<string, Segment>;
}) {
  const end = useRef<HTMLDivElement>(null);
  const inProgress = Object.values(interims);
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [finals.length, inProgress.length]);
  return (
    <section aria-label="Transcript" className="card flex h-96 flex-col" data-call-id={callId}>
      <h2 className="label mb-2">Transcript</h2>
      <ol
        className="flex-1 space-y-1 overflow-y-auto pr-2 text-sm"
        aria-live="polite"
        data-testid="transcript"
      >
        {finals.length === 0 && inProgress.length === 0 && (
          <li className="text-slate-400">Nothing said yet.</li>
        )}
        {finals.map((s) => (
          <li
            key={s.seq}
            data-seq={s.seq}
            data-on-hold={s.onHold}
            className={s.onHold ? "text-slate-400" : undefined}
            title={s.onHold ? "said while on hold" : undefined}
          >
            <span className="font-semibold text-slate-600">{who(s)}:</span> <Redacted text={s.text} />
            {s.onHold && <span className="ml-1 text-xs">(on hold)</span>}
          </li>
        ))}
        {inProgress.map((s) => (
          <li key={`interim-${s.speakerIdentity}`} className="italic text-slate-400" data-interim>
            <span className="font-semibold">{who(s)}:</span> {s.text}…
          </li>
        ))}
        <div ref={end} />
      </ol>
    </section>
  );
}
