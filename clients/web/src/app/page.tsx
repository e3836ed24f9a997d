import Link from "next/link";
import { SignIn } from "@/components/SignIn";

export default function Home() {
  return (
    <div className="space-y-6">
      <section className="space-y-2">
        <h1 className="text-2xl font-semibold">Agent console</h1>
        <p className="max-w-2xl text-slate-600">
          Try a whole warm transfer on one machine, in three tabs: a{" "}
          <Link className="text-indigo-700 underline" href="/caller" target="_blank">
            caller
          </Link>{" "}
          who starts a call, agent A who takes it and transfers it, and agent B who is offered
          the transfer with its briefing, consults with A, then takes the caller. Sign in here as
          A in one tab and as B in another.
        </p>
      </section>
      <SignIn />
    </div>
  );
}
