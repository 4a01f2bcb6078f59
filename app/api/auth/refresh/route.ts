import { route } from "@/lib/http/route";
import { refreshBody } from "@/lib/schemas/auth";
import { presentedRefreshToken } from "@/lib/auth/token-transport";
import { refreshSession } from "@/lib/auth/refresh";

export const POST = route({ name: "auth.refresh", body: refreshBody, optionalBody: true }, async ({ req, body, ip, userAgent }) =>
  refreshSession(presentedRefreshToken(req, body), { ip, userAgent }),
);
