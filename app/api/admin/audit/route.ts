import { route } from "@/lib/http/route";
import { adminAuditQuery } from "@/lib/schemas/auth";
import { listAuditEvents } from "@/lib/admin/audit";

export const GET = route({ name: "admin.audit", auth: "admin", query: adminAuditQuery }, async ({ query }) => listAuditEvents(query));
