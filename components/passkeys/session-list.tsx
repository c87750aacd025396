"use client";
/**
 * Where the customer is signed in: each session's device, how and from where it began, and
 * when it was last used, with "Sign out" for each other one and for all of them at once.
 * Both need a fresh passkey approval, asked for here when the server says so.
 */
import { useActionState, useState } from "react";
import { type SessionsState, signOutEverywhereElse, signOutSession } from "@/app/(owlbank)/(signed-in)/settings/security/actions";
import { Button } from "@/components/ui/button";
import { LocalTime } from "@/components/ui/local-time";
import { CeremonyStatus } from "@/components/ui/notice";
import { withStepUp } from "./step-up";

export type SessionRow = {
  id: string;
  device: string;
  createdBy: "sign_in" | "sign_up" | "recovery";
  createdFrom: string;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
};

const HOW = { sign_in: "Signed in", sign_up: "Opened the account", recovery: "Recovered the account" } as const;

/** Runs a sessions action behind the step-up it may ask for, reporting progress meanwhile. */
function useSessionsAction(action: (prev: SessionsState, formData: FormData) => Promise<SessionsState>) {
  const [progress, setProgress] = useState<string | null>(null);
  const [state, dispatch, pending] = useActionState(async (prev: SessionsState, formData: FormData): Promise<SessionsState> => {
    const result = await withStepUp(() => action(prev, formData), setProgress);
    setProgress(null);
    return result;
  }, {});
  return { state, dispatch, pending, progress };
}

export function SessionList({ sessions }: { sessions: SessionRow[] }) {
  const others = sessions.filter((s) => !s.current).length;
  const everywhere = useSessionsAction(() => signOutEverywhereElse());
  return (
    <div className="space-y-3">
      <ul className="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white" aria-label="Where you're signed in">
        {sessions.map((s) => (
          <SessionItem key={s.id} session={s} />
        ))}
      </ul>
      {others > 0 ? (
        <form action={everywhere.dispatch} className="space-y-3">
          <Button type="submit" variant="secondary" size="sm" busy={everywhere.pending}>
            Sign out everywhere else
          </Button>
        </form>
      ) : null}
      <CeremonyStatus
        progress={everywhere.pending ? everywhere.progress : null}
        error={everywhere.state.ok === false ? everywhere.state.message : null}
        success={everywhere.state.ok ? everywhere.state.message : null}
      />
    </div>
  );
}

function SessionItem({ session }: { session: SessionRow }) {
  const { state, dispatch, pending, progress } = useSessionsAction(signOutSession);
  const headingId = `session-${session.id}`;
  return (
    <li className="p-4 sm:p-5" aria-labelledby={headingId}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h3 id={headingId} className="font-semibold text-slate-900">
            {session.device}
            {session.current ? <span className="ml-2 rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800">This device</span> : null}
          </h3>
          <p className="text-sm text-slate-600">
            {HOW[session.createdBy]} <LocalTime iso={session.createdAt} format="dateTime" /> from {session.createdFrom}
          </p>
          <p className="text-sm text-slate-500">
            Last active <LocalTime iso={session.lastSeenAt} format="dateTime" />
          </p>
        </div>
        {session.current ? null : (
          <form action={dispatch}>
            <input type="hidden" name="sessionId" value={session.id} />
            <Button type="submit" variant="ghost" size="sm" className="text-red-700 hover:bg-red-50" busy={pending} aria-label={`Sign out ${session.device}`}>
              Sign out
            </Button>
          </form>
        )}
      </div>
      <CeremonyStatus progress={pending ? progress : null} error={state.ok === false ? state.message : null} success={state.ok ? state.message : null} />
    </li>
  );
}
