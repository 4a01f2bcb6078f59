import { route } from "@/lib/http/route";
import { adminSessionsQuery } from "@/lib/schemas/auth";
import { listActiveSessions } from "@/lib/admin/sessions";

export const GET = route({ name: "admin.sessions", auth: "admin", query: adminSessionsQuery }, async ({ query }) => listActiveSessions(query));
