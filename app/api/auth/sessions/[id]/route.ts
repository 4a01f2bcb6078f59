import { route } from "@/lib/http/route";
import { uuidParam } from "@/lib/schemas/auth";
import { revokeOwnSession } from "@/lib/auth/sessions";

export const DELETE = route({ name: "auth.sessions.revoke", auth: "user", params: uuidParam }, async ({ auth, params, ip, userAgent }) => {
  await revokeOwnSession(auth.userId, params.id, { ip, userAgent });
  return { ok: true };
});
