import { route } from "@/lib/http/route";
import { listOwnSessions } from "@/lib/auth/sessions";

export const GET = route({ name: "auth.sessions", auth: "user" }, async ({ auth }) => ({
  currentSessionId: auth.sessionId,
  sessions: await listOwnSessions(auth.userId),
}));
