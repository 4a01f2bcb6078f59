"use client";
/**
 * Wraps signed-in pages: one TokenClient per tab, react-query using it as the fetcher, the
 * activity listeners and the idle clock (warning, then sign-out), and the redirect to the login
 * page, with ?next=, whenever the session ends (here or in another tab).
 */
import { createContext, useContext, useEffect, useMemo, useRef, useState } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { TokenClient, type SessionInfo } from "@/lib/client/token-client";
import { ACTIVITY_EVENTS, idlePhase, type IdlePhase } from "@/lib/client/idle";
import { IdleWarning } from "@/components/idle-warning";

type Ctx = { client: TokenClient; session: SessionInfo };
const SessionContext = createContext<Ctx | null>(null);

let singleton: TokenClient | null = null;
export function tokenClient(): TokenClient {
  singleton ??= new TokenClient();
  return singleton;
}

export function useSession(): Ctx {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error("useSession outside SessionProvider");
  return ctx;
}

function toLogin(reason?: string) {
  const here = `${window.location.pathname}${window.location.search}`;
  const params = new URLSearchParams({ next: here });
  if (reason) params.set("reason", reason);
  window.location.replace(`/login?${params.toString()}`);
}

export function SessionProvider({ children }: { children: React.ReactNode }) {
  const client = tokenClient();
  const [session, setSession] = useState<SessionInfo | null>(client.current);
  const [idle, setIdle] = useState<IdlePhase>({ phase: "active" });
  const queryClient = useMemo(
    () =>
      new QueryClient({
        defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 5_000 } },
      }),
    [],
  );
  const ended = useRef(false);

  useEffect(() => {
    const off = client.subscribe((s) => {
      if (s.signedIn) setSession(s.session);
      else if (!ended.current) {
        ended.current = true;
        queryClient.clear();
        toLogin(s.reason);
      }
    });
    if (!client.current) {
      void client.start().then((s) => {
        if (!s && !ended.current) {
          ended.current = true;
          toLogin();
        }
      });
    }
    const onActivity = () => client.noteActivity();
    for (const e of ACTIVITY_EVENTS) window.addEventListener(e, onActivity, { passive: true, capture: true });
    return () => {
      off();
      for (const e of ACTIVITY_EVENTS) window.removeEventListener(e, onActivity, { capture: true });
    };
  }, [client, queryClient]);

  useEffect(() => {
    if (!session) return;
    const tick = () => {
      const phase = idlePhase(client.lastActivity, session.idleTimeoutSeconds);
      setIdle(phase);
      if (phase.phase === "expired") void client.signOut(false, "idle").catch(() => client.endLocally("idle", true));
    };
    tick();
    const timer = setInterval(tick, 1000);
    return () => clearInterval(timer);
  }, [client, session]);

  if (!session) {
    return (
      <main aria-busy="true">
        <p className="muted" role="status">
          Checking your sign-in…
        </p>
      </main>
    );
  }
  return (
    <SessionContext.Provider value={{ client, session }}>
      <QueryClientProvider client={queryClient}>
        {idle.phase === "warning" && <IdleWarning secondsLeft={idle.secondsLeft} onStay={() => client.noteActivity()} />}
        {children}
      </QueryClientProvider>
    </SessionContext.Provider>
  );
}
