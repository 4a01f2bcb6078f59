import { route } from "@/lib/http/route";
import { logoutEverywhere } from "@/lib/auth/refresh";

export const POST = route({ name: "auth.logout_all", auth: "user" }, async ({ auth, ip, userAgent }) =>
  logoutEverywhere(auth.userId, { ip, userAgent }),
);
