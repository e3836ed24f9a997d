"use client";
/** The rolling summary, precomputed while the call runs, and how fresh it is. */
import { useEffect, useState } from "react";
import type { Segment, Summary } from "@/lib/types";

function ago(iso: string | undefined, now: number): string {
  if (!iso) return "";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return seconds < 60 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
}

export function SummaryPanel({
  summary,
  newerSeqs,
  pending,
  title = "Summary",
}: {
  summary: Summary | null;
  /** The seqs of the transcript's final lines, to count those the summary has not read. */
  newerSeqs?: string[];
  pending?: Segment[];
  title?: string;
}) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);
  const covered = BigInt(summary?.coveredThroughSeq ?? 0);
  // Lines said since the summary last read the transcript (seqs are increasing, not dense).
  const behind =
    newerSeqs !== undefined
      ? newerSeqs.filter((seq) => BigInt(seq) > covered).length
      : (pending?.length ?? 0);
  return (
    <section aria-label={title} className="card space-y-2 text-sm" data-testid="summary">
      <div className="flex items-baseline justify-between gap-2">
        <h2 className="label">{title}</h2>
        <span className="text-xs text-slate-500" data-testid="freshness">
          {summary
            ? `${behind ? `${behind} newer ${behind === 1 ? "line" : "lines"} not in it yet` : "covers every line"} · updated ${ago(summary.updatedAt, now)}`
            : "no summary yet"}
        </span>
      </div>
      {summary && (
        <>
          <p className="font-medium" data-testid="summary-reason">
            {summary.reason || summary.briefing}
          </p>
          {summary.briefing && summary.reason && <p className="text-slate-700">{summary.briefing}</p>}
          <List label="Facts" items={summary.facts} />
          <List label="Done" items={summary.actions} />
          <List label="Next" items={summary.nextSteps} />
          <p className="text-xs text-slate-500">
            {summary.sentiment.replace("SENTIMENT_", "").toLowerCase()} ·{" "}
            {summary.urgency.replace("URGENCY_", "").toLowerCase()} urgency · {summary.summarizer}
          </p>
        </>
      )}
      {pending && pending.length > 0 && (
        <div>
          <h3 className="label">Said since</h3>
          <ul className="list-disc pl-5">
            {pending.map((s) => (
              <li key={s.seq}>
                {s.speakerIdentity}: {s.text}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function List({ label, items }: { label: string; items: string[] }) {
  if (!items?.length) return null;
  return (
    <div>
      <h3 className="label">{label}</h3>
      <ul className="list-disc pl-5">
        {items.map((item, i) => (
          <li key={i}>{item}</li>
        ))}
      </ul>
    </div>
  );
}
