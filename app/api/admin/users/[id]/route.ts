import { route } from "@/lib/http/route";
import { adminUserPatch, uuidParam } from "@/lib/schemas/auth";
import { adminUpdateUser } from "@/lib/admin/users";

export const PATCH = route({ name: "admin.users.update", auth: "admin", params: uuidParam, body: adminUserPatch }, async ({ auth, params, body, ip, userAgent }) =>
  adminUpdateUser(auth, params.id, body, { ip, userAgent }),
);
