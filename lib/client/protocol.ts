/** Names shared by the tabs of one browser, and the messages they exchange. */
import type { SessionInfo } from "@/lib/client/token-client";

export const SYNC_CHANNEL = "clinicauth-session";
export const REFRESH_LOCK = "clinicauth-refresh";
export { CSRF_HEADER as CSRF_HEADER_NAME } from "@/lib/http/csrf";

export type SyncMessage =
  | { type: "token"; session: SessionInfo; refreshedAt: number }
  | { type: "signed-out"; reason: string }
  | { type: "activity"; at: number };
