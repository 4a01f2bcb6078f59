"use client";
/**
 * Admin sessions table: filters, paging, revoke, revoke all of a person, disable a person.
 * Refreshes every 10 s; that polling is not activity, so it never keeps the admin's session alive.
 */
import { useState } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "@/lib/client/api";
import { CHANNEL_LABEL, ago, formatTime } from "@/lib/client/format";
import { ApiError } from "@/lib/client/token-client";
import { useSession } from "@/components/session-provider";
import { Pager, StatusRow } from "@/components/table-bits";

type Row = {
  id: string;
  channel: string;
  ip: string | null;
  device: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  reuseDetectedAt: string | null;
  user: { id: string; name: string; email: string | null; phone: string | null; role: string; status: string };
};
type Page = { page: number; pageSize: number; total: number; sessions: Row[] };
type Filters = { user: string; role: string; channel: string; ip: string };

const PAGE_SIZE = 20;
const ROLE_LABEL: Record<string, string> = { staff: "Staff", admin: "Admin" };

/** A labelled select with "Any" first, for one filter field. */
function ChoiceFilter({ id, label, value, options, onChange }: { id: string; label: string; value: string; options: Record<string, string>; onChange: (v: string) => void }) {
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Any</option>
        {Object.entries(options).map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

export function AdminSessions() {
  const { client, session } = useSession();
  const qc = useQueryClient();
  const [filters, setFilters] = useState<Filters>({ user: "", role: "", channel: "", ip: "" });
  const [draft, setDraft] = useState<Filters>(filters);
  const [page, setPage] = useState(1);
  const [message, setMessage] = useState<string | null>(null);

  const query = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
  for (const [k, v] of Object.entries(filters)) if (v.trim()) query.set(k, v.trim());
  const list = useQuery({
    queryKey: ["admin-sessions", query.toString()],
    queryFn: () => apiJson<Page>(client, `/api/admin/sessions?${query.toString()}`),
    refetchInterval: 10_000,
    placeholderData: keepPreviousData,
  });

  const act = useMutation({
    mutationFn: async (a: { kind: "revoke" | "revoke-all" | "disable"; row: Row }) => {
      if (a.kind === "revoke") return apiJson(client, `/api/admin/sessions/${a.row.id}`, { method: "DELETE" });
      if (a.kind === "revoke-all") return apiJson(client, `/api/admin/users/${a.row.user.id}/revoke-sessions`, { method: "POST" });
      return apiJson(client, `/api/admin/users/${a.row.user.id}`, { method: "PATCH", body: JSON.stringify({ status: "disabled" }) });
    },
    onSuccess: (_d, a) => {
      const who = a.row.user.name;
      setMessage(a.kind === "revoke" ? `Ended one session of ${who}.` : a.kind === "revoke-all" ? `Ended every session of ${who}.` : `Disabled ${who} and ended their sessions.`);
      void qc.invalidateQueries({ queryKey: ["admin-sessions"] });
      void qc.invalidateQueries({ queryKey: ["audit"] });
    },
    onError: (err) => setMessage(err instanceof ApiError ? err.message : "That did not work. Try again."),
  });

  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / PAGE_SIZE)) : 1;

  return (
    <>
      <h1>Active sessions</h1>
      <form
        className="card"
        aria-label="Filter sessions"
        onSubmit={(e) => {
          e.preventDefault();
          setPage(1);
          setFilters(draft);
        }}
        style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(160px, 1fr))", gap: 12, alignItems: "end" }}
      >
        <div>
          <label htmlFor="f-user">Person</label>
          <input id="f-user" value={draft.user} onChange={(e) => setDraft({ ...draft, user: e.target.value })} placeholder="name, email or phone" />
        </div>
        <ChoiceFilter id="f-role" label="Role" value={draft.role} options={ROLE_LABEL} onChange={(role) => setDraft({ ...draft, role })} />
        <ChoiceFilter id="f-channel" label="Signed in with" value={draft.channel} options={CHANNEL_LABEL} onChange={(channel) => setDraft({ ...draft, channel })} />
        <div>
          <label htmlFor="f-ip">IP address</label>
          <input id="f-ip" value={draft.ip} onChange={(e) => setDraft({ ...draft, ip: e.target.value })} />
        </div>
        <div>
          <button type="submit">Filter</button>
        </div>
      </form>

      <p role="status" aria-live="polite" style={{ minHeight: 24 }}>
        {message}
      </p>

      <div className="table-wrap">
        <table aria-label="Active sessions" aria-busy={list.isFetching}>
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col">Role</th>
              <th scope="col">Channel</th>
              <th scope="col">IP</th>
              <th scope="col">Device</th>
              <th scope="col">Started</th>
              <th scope="col">Last seen</th>
              <th scope="col">Expires</th>
              <th scope="col">Flags</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            <StatusRow
              columns={10}
              loading={list.isPending}
              empty={list.data?.sessions.length === 0}
              error={list.isError ? (list.error instanceof ApiError ? list.error.message : "Could not load sessions.") : null}
              emptyText="No active sessions match."
            />
            {list.data?.sessions.map((r) => (
              <tr key={r.id}>
                <td>
                  {r.user.name}
                  <br />
                  <span className="muted">{r.user.email ?? r.user.phone}</span>
                </td>
                <td>{r.user.role}</td>
                <td>{CHANNEL_LABEL[r.channel] ?? r.channel}</td>
                <td>{r.ip ?? "—"}</td>
                <td>
                  {r.device ?? "—"} {r.id === session.sessionId && <span className="badge">you</span>}
                </td>
                <td>{formatTime(r.createdAt)}</td>
                <td>{ago(r.lastSeenAt)}</td>
                <td>{formatTime(r.expiresAt)}</td>
                <td>{r.reuseDetectedAt ? <span className="badge alert">token reuse</span> : null}</td>
                <td className="actions">
                  <div className="row" style={{ flexWrap: "nowrap" }}>
                    <button type="button" className="danger" disabled={act.isPending} onClick={() => act.mutate({ kind: "revoke", row: r })} aria-label={`Revoke session of ${r.user.name} on ${r.device ?? "unknown device"}`}>
                      Revoke
                    </button>
                    <button type="button" className="secondary" disabled={act.isPending} onClick={() => act.mutate({ kind: "revoke-all", row: r })} aria-label={`Revoke all sessions of ${r.user.name}`}>
                      Revoke all
                    </button>
                    {r.user.id !== list.data?.sessions.find((s) => s.id === session.sessionId)?.user.id && (
                      <button
                        type="button"
                        className="danger"
                        disabled={act.isPending}
                        onClick={() => window.confirm(`Disable ${r.user.name}? They are signed out everywhere and cannot sign in.`) && act.mutate({ kind: "disable", row: r })}
                        aria-label={`Disable ${r.user.name}`}
                      >
                        Disable
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager label="Session pages" page={page} pages={pages} onPage={setPage} note={list.data ? `(${list.data.total} sessions)` : ""} />
    </>
  );
}
