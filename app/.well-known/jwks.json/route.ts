import { route } from "@/lib/http/route";
import { keyRing } from "@/lib/auth/keys";

// Public keys only. Cached briefly: a newly added key must reach verifiers before it signs.
export const GET = route({ name: "jwks" }, async () =>
  Response.json((await keyRing()).publicJwks, { headers: { "cache-control": "public, max-age=300" } }),
);
