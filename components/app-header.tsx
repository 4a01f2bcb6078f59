"use client";
import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "@/lib/client/api";
import { useSession } from "@/components/session-provider";

export type Me = {
  user: { id: string; name: string; email: string | null; phone: string | null; role: "staff" | "admin"; createdAt: string };
  session: { id: string; channel: string; createdAt: string; expiresAt: string; lastSeenAt: string } | null;
};

export function useMe() {
  const { client } = useSession();
  // Polled so that a revoked session is noticed within seconds, even on an idle page.
  return useQuery({ queryKey: ["me"], queryFn: () => apiJson<Me>(client, "/api/auth/me"), refetchInterval: 5_000 });
}

export function AppHeader() {
  const { client } = useSession();
  const qc = useQueryClient();
  const me = useMe();
  return (
    <header style={{ background: "#fff", borderBottom: "1px solid var(--line)" }}>
      <nav aria-label="Main" className="row" style={{ maxWidth: 1280, margin: "0 auto", padding: "10px 16px", justifyContent: "space-between", minHeight: 64 }}>
        <div className="row" style={{ gap: 16 }}>
          <strong>ClinicAuth</strong>
          <Link href="/dashboard">My sessions</Link>
          {me.data?.user.role === "admin" && <Link href="/admin/sessions">Admin</Link>}
        </div>
        <div className="row">
          <span className="muted hide-sm" aria-live="polite" style={{ minWidth: 120 }}>
            {me.data ? `${me.data.user.name} (${me.data.user.role})` : "\u00a0"}
          </span>
          <button type="button" className="secondary" onClick={() => void qc.invalidateQueries()}>
            Refresh
          </button>
          <button type="button" className="secondary" onClick={() => void client.signOut()}>
            Sign out
          </button>
        </div>
      </nav>
    </header>
  );
}
