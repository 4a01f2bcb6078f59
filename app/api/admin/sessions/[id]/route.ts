import { route } from "@/lib/http/route";
import { uuidParam } from "@/lib/schemas/auth";
import { adminRevokeSession } from "@/lib/admin/sessions";

export const DELETE = route({ name: "admin.sessions.revoke", auth: "admin", params: uuidParam }, async ({ auth, params, ip, userAgent }) =>
  adminRevokeSession(auth, params.id, { ip, userAgent }),
);
