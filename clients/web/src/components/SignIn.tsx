"use client";
/** Sign in as an agent; the tab then acts as that agent (one browser may hold several). */
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { post } from "@/lib/http";

export function SignIn({ identity = "" }: { identity?: string }) {
  const router = useRouter();
  const [name, setName] = useState(identity);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    try {
      await post("/api/session", null, { identity: name.trim() });
      // Only a push: refreshing now would race it and could keep the user on this page.
      router.push(`/agent/${encodeURIComponent(name.trim())}`);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form onSubmit={submit} className="card max-w-md space-y-3" aria-label="Sign in">
      <div>
        <label className="label" htmlFor="identity">
          Your agent identity
        </label>
        <input
          id="identity"
          className="field"
          placeholder="e.g. agent-a"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          autoFocus
        />
      </div>
      <button type="submit" className="btn-primary">
        Sign in
      </button>
      {error && (
        <p role="alert" className="text-sm text-rose-700">
          {error}
        </p>
      )}
    </form>
  );
}
