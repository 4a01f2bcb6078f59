/** The audit-events view: newest first, filterable by type and person. */
import "server-only";
import { db } from "@/lib/db/client";
import type { AdminAuditQuery } from "@/lib/schemas/auth";

export async function listAuditEvents(q: AdminAuditQuery) {
  const where = { ...(q.type ? { type: q.type } : {}), ...(q.userId ? { userId: q.userId } : {}) };
  const [total, events] = await Promise.all([
    db().auditEvent.count({ where }),
    db().auditEvent.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
      include: { user: { select: { name: true, email: true, phone: true } } },
    }),
  ]);
  return { page: q.page, pageSize: q.pageSize, total, events };
}
