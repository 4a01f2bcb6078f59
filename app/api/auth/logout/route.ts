import { route } from "@/lib/http/route";
import { logoutBody } from "@/lib/schemas/auth";
import { presentedRefreshToken } from "@/lib/auth/token-transport";
import { logout } from "@/lib/auth/refresh";

export const POST = route({ name: "auth.logout", body: logoutBody, optionalBody: true }, async ({ req, body, ip, userAgent }) =>
  logout(presentedRefreshToken(req, body), { ip, userAgent }),
);
