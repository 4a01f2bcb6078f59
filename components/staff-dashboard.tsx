"use client";
/** Staff dashboard: who I am, my sessions with "this device", revoke one, sign out everywhere. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "@/lib/client/api";
import { CHANNEL_LABEL, ago, formatTime } from "@/lib/client/format";
import { useSession } from "@/components/session-provider";
import { useMe } from "@/components/app-header";
import { StatusRow } from "@/components/table-bits";

type MySession = { id: string; channel: string; ip: string | null; device: string | null; createdAt: string; lastSeenAt: string; expiresAt: string };

export function StaffDashboard() {
  const { client } = useSession();
  const qc = useQueryClient();
  const me = useMe();
  const sessions = useQuery({
    queryKey: ["my-sessions"],
    queryFn: () => apiJson<{ currentSessionId: string; sessions: MySession[] }>(client, "/api/auth/sessions"),
    refetchInterval: 15_000,
  });
  const revoke = useMutation({
    mutationFn: (id: string) => apiJson(client, `/api/auth/sessions/${id}`, { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["my-sessions"] }),
  });

  return (
    <>
      <h1>Hello{me.data ? `, ${me.data.user.name}` : ""}</h1>
      <section className="card" aria-labelledby="profile-h" style={{ minHeight: 120 }}>
        <h2 id="profile-h" style={{ marginTop: 0 }}>
          Your account
        </h2>
        {me.data ? (
          <dl style={{ display: "grid", gridTemplateColumns: "max-content 1fr", gap: "4px 16px", margin: 0 }}>
            <dt className="muted">Email</dt>
            <dd style={{ margin: 0 }}>{me.data.user.email ?? "—"}</dd>
            <dt className="muted">Phone</dt>
            <dd style={{ margin: 0 }}>{me.data.user.phone ?? "—"}</dd>
            <dt className="muted">Role</dt>
            <dd style={{ margin: 0 }}>{me.data.user.role}</dd>
          </dl>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </section>

      <h2 id="sessions-h">Where you are signed in</h2>
      <div className="table-wrap">
        <table aria-labelledby="sessions-h">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Signed in with</th>
              <th scope="col" className="hide-sm">IP address</th>
              <th scope="col" className="hide-sm">Started</th>
              <th scope="col">Last active</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            <StatusRow columns={6} loading={sessions.isPending} empty={sessions.data?.sessions.length === 0} emptyText="No other sessions." />
            {sessions.data?.sessions.map((s) => {
              const current = s.id === sessions.data.currentSessionId;
              return (
                <tr key={s.id}>
                  <td>
                    {s.device ?? "Unknown device"} {current && <span className="badge">this device</span>}
                  </td>
                  <td>{CHANNEL_LABEL[s.channel] ?? s.channel}</td>
                  <td className="hide-sm">{s.ip ?? "—"}</td>
                  <td className="hide-sm">{formatTime(s.createdAt)}</td>
                  <td>{ago(s.lastSeenAt)}</td>
                  <td className="actions">
                    {current ? (
                      <button type="button" className="secondary" onClick={() => void client.signOut()}>
                        Sign out
                      </button>
                    ) : (
                      <button type="button" className="danger" disabled={revoke.isPending} onClick={() => revoke.mutate(s.id)} aria-label={`End session on ${s.device ?? "unknown device"}`}>
                        End session
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="row" style={{ marginTop: 16 }}>
        <button type="button" className="danger" onClick={() => void client.signOut(true)}>
          Sign out everywhere
        </button>
      </div>
    </>
  );
}
