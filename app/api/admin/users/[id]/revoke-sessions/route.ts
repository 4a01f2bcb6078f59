import { route } from "@/lib/http/route";
import { uuidParam } from "@/lib/schemas/auth";
import { adminRevokeUserSessions } from "@/lib/admin/users";

export const POST = route({ name: "admin.users.revoke_sessions", auth: "admin", params: uuidParam }, async ({ auth, params, ip, userAgent }) =>
  adminRevokeUserSessions(auth, params.id, { ip, userAgent }),
);
