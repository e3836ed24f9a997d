"use client";
/** Search the customer's past calls (ContextService) and open one with its final summary. */
import { type FormEvent, useState } from "react";
import { get } from "@/lib/http";
import type { Snippet, Summary } from "@/lib/types";
import { SummaryPanel } from "./SummaryPanel";

export function HistoryPanel({ agent }: { agent: string }) {
  const [query, setQuery] = useState("");
  const [customerId, setCustomerId] = useState("");
  const [snippets, setSnippets] = useState<Snippet[] | null>(null);
  const [opened, setOpened] = useState<{ callId: string; summary: Summary | null } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const search = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    try {
      const params = new URLSearchParams({ q: query, customerId });
      const answer = await get<{ snippets?: Snippet[] }>(`/api/history?${params}`, agent);
      setSnippets(answer.snippets ?? []);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const open = async (callId: string): Promise<void> => {
    try {
      const context = await get<{ summary?: Summary }>(`/api/calls/${callId}/context`, agent);
      setOpened({ callId, summary: context.summary ?? null });
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section aria-label="Call history" className="card space-y-2">
      <h2 className="label">Call history</h2>
      <form onSubmit={search} className="grid grid-cols-[1fr_auto] gap-2">
        <label className="sr-only" htmlFor="history-q">
          What happened
        </label>
        <input
          id="history-q"
          className="field col-span-2"
          placeholder="What happened? e.g. refund for the blender"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          required
        />
        <label className="sr-only" htmlFor="history-customer">
          Customer id
        </label>
        <input
          id="history-customer"
          className="field"
          placeholder="Customer id (optional)"
          value={customerId}
          onChange={(e) => setCustomerId(e.target.value)}
        />
        <button type="submit" className="btn-secondary">
          Search
        </button>
      </form>
      {error && (
        <p role="alert" className="text-sm text-rose-700">
          {error}
        </p>
      )}
      {snippets && snippets.length === 0 && <p className="text-sm text-slate-400">Nothing found.</p>}
      {snippets && snippets.length > 0 && (
        <ul className="divide-y divide-slate-100 text-sm">
          {snippets.map((s, i) => (
            <li key={`${s.callId}-${i}`} className="py-1.5">
              <button type="button" className="text-left hover:underline" onClick={() => open(s.callId)}>
                <span className="text-xs text-slate-500">
                  {s.callStartedAt ? new Date(s.callStartedAt).toLocaleString() : s.callId}
                </span>{" "}
                {s.text}
              </button>
            </li>
          ))}
        </ul>
      )}
      {opened && <SummaryPanel summary={opened.summary} title={`Call ${opened.callId}`} />}
    </section>
  );
}
