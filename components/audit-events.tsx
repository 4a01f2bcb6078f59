"use client";
/** The audit-events view: newest first, filter by type, paged. */
import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { apiJson } from "@/lib/client/api";
import { formatTime } from "@/lib/client/format";
import { useSession } from "@/components/session-provider";
import { Pager, StatusRow } from "@/components/table-bits";

type Event = {
  id: string;
  type: string;
  createdAt: string;
  ip: string | null;
  channel: string | null;
  identifier: string | null;
  actorId: string | null;
  detail: unknown;
  user: { name: string; email: string | null; phone: string | null } | null;
};

const TYPES = ["", "otp.requested", "otp.verified", "otp.failed", "otp.locked", "session.created", "session.revoked", "session.evicted", "session.reuse_detected", "user.disabled", "user.role_changed"];

export function AuditEvents() {
  const { client } = useSession();
  const [type, setType] = useState("");
  const [page, setPage] = useState(1);
  const q = new URLSearchParams({ page: String(page), pageSize: "20", ...(type ? { type } : {}) });
  const list = useQuery({
    queryKey: ["audit", q.toString()],
    queryFn: () => apiJson<{ total: number; events: Event[] }>(client, `/api/admin/audit?${q.toString()}`),
    refetchInterval: 10_000,
    placeholderData: keepPreviousData,
  });
  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / 20)) : 1;
  return (
    <section aria-labelledby="audit-h">
      <h2 id="audit-h">Audit events</h2>
      <div className="row" style={{ marginBottom: 8 }}>
        <label htmlFor="audit-type" style={{ margin: 0 }}>
          Type
        </label>
        <select id="audit-type" value={type} onChange={(e) => (setType(e.target.value), setPage(1))} style={{ width: "auto" }}>
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {t || "All"}
            </option>
          ))}
        </select>
      </div>
      <div className="table-wrap">
        <table aria-labelledby="audit-h">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Person</th>
              <th scope="col">IP</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            <StatusRow columns={5} loading={list.isPending} empty={list.data?.events.length === 0} emptyText="No events." />
            {list.data?.events.map((e) => (
              <tr key={e.id}>
                <td>{formatTime(e.createdAt)}</td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>{e.user ? `${e.user.name}` : (e.identifier ?? "—")}</td>
                <td>{e.ip ?? "—"}</td>
                <td className="muted" style={{ fontSize: "0.85rem" }}>
                  {e.detail ? JSON.stringify(e.detail) : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager label="Audit pages" page={page} pages={pages} onPage={setPage} />
    </section>
  );
}
