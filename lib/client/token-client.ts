/**
 * The browser's token client. The access token lives in memory only; the refresh token is an
 * HttpOnly cookie the page never sees.
 *
 * - One refresh at a time: within a tab a shared promise; across tabs a Web Lock, and the tab that
 *   refreshed broadcasts the new token so the others adopt it instead of refreshing again.
 * - On a 401 for an expired token, requests wait for that one refresh and are replayed once.
 * - The idle rule: a refresh happens only if the person touched the keyboard, pointer or screen
 *   since the last refresh (page load counts). Background polling never keeps a session alive.
 *   The idle clock (idle-timer.ts) warns a minute before the limit and then signs out.
 * - Sign-out in one tab signs out every tab.
 */
import "client-only";
import { CSRF_HEADER_NAME, REFRESH_LOCK, SYNC_CHANNEL, type SyncMessage } from "@/lib/client/protocol";

export type SessionInfo = { accessToken: string; expiresAt: number; idleTimeoutSeconds: number; sessionId: string };
export type ApiErrorBody = { error?: { code?: string; message?: string; retryAfter?: number; alternatives?: string[] } };

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly body: ApiErrorBody) {
    super(message);
  }
}

type Listener = (state: { signedIn: boolean; session: SessionInfo | null; reason?: string }) => void;

export class TokenClient {
  private session: SessionInfo | null = null;
  private inflight: Promise<SessionInfo | null> | null = null;
  private lastRefreshAt = 0;
  private lastActivityAt = Date.now();
  private readonly channel: BroadcastChannel | null;
  private readonly listeners = new Set<Listener>();
  private proactiveTimer: ReturnType<typeof setTimeout> | undefined;
  private signedOut = false;

  constructor(private readonly fetchImpl: typeof fetch = (...a) => fetch(...a)) {
    this.channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(SYNC_CHANNEL) : null;
    this.channel?.addEventListener("message", (e: MessageEvent<SyncMessage>) => this.onSync(e.data));
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get current(): SessionInfo | null {
    return this.session;
  }

  get lastActivity(): number {
    return this.lastActivityAt;
  }

  /** Real input from the person (keyboard, pointer, touch). Shared with the other tabs. */
  noteActivity(at = Date.now(), fromOtherTab = false): void {
    const before = this.lastActivityAt;
    this.lastActivityAt = Math.max(this.lastActivityAt, at);
    if (!fromOtherTab && at - before > 2000) this.post({ type: "activity", at });
  }

  /** Adopt a session from a sign-in answer. */
  adopt(info: SessionInfo): void {
    this.signedOut = false;
    this.lastRefreshAt = Date.now();
    this.setSession(info, true);
  }

  /** Silent refresh on page load: the cookie, if any, becomes an access token. */
  async start(): Promise<SessionInfo | null> {
    this.lastActivityAt = Date.now();
    try {
      return await this.refresh(true);
    } catch {
      return null;
    }
  }

  /** Exactly one refresh in flight per tab; across tabs the Web Lock makes it one per browser. */
  refresh(force = false): Promise<SessionInfo | null> {
    if (this.inflight) return this.inflight;
    if (!force && this.lastActivityAt <= this.lastRefreshAt) {
      // Idle: nobody touched the page since the last refresh. Do not extend the session.
      return Promise.resolve(this.session && this.session.expiresAt > Date.now() ? this.session : null);
    }
    const requestedAt = Date.now();
    const run = async () => {
      // Another tab may have refreshed while we waited for the lock; use its token. Its broadcast
      // can trail the lock release, so the shared timestamp says whether one is on its way.
      if (sharedRefreshAt() >= requestedAt) await this.tokenArrival(1500);
      if (this.session && this.lastRefreshAt >= requestedAt) return this.session;
      return this.callRefresh();
    };
    const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
    this.inflight = (locks ? locks.request(REFRESH_LOCK, run) : run()).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async callRefresh(): Promise<SessionInfo | null> {
    const res = await this.fetchImpl("/api/auth/refresh", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", [CSRF_HEADER_NAME]: "1" },
      body: "{}",
    });
    if (!res.ok) {
      if (res.status === 401) {
        this.endLocally("expired", true);
        return null;
      }
      throw await toApiError(res);
    }
    const body = (await res.json()) as { accessToken: string; accessTokenExpiresAt: string; session: { id: string; idleTimeoutSeconds: number } };
    this.lastRefreshAt = Date.now();
    markSharedRefresh(this.lastRefreshAt);
    const info = { accessToken: body.accessToken, expiresAt: Date.parse(body.accessTokenExpiresAt), idleTimeoutSeconds: body.session.idleTimeoutSeconds, sessionId: body.session.id };
    this.setSession(info, true);
    return info;
  }

  /** fetch with the access token; one refresh and one replay on an expired token. */
  async fetch(input: string, init: RequestInit = {}): Promise<Response> {
    if (this.inflight) await this.inflight.catch(() => undefined);
    let session = this.session;
    if (!session) session = await this.refresh();
    if (!session) throw new ApiError(401, "unauthorized", "You are not signed in.", {});
    let res = await this.send(input, init, session.accessToken);
    if (res.status !== 401) return res;
    const err = await toApiError(res.clone());
    if (err.code === "session_ended") {
      this.endLocally("revoked", true);
      return res;
    }
    // Expired or rotated-away token: wait for (or start) the one refresh, then replay once.
    const renewed = this.session && this.session.accessToken !== session.accessToken ? this.session : await this.refresh();
    if (!renewed) return res;
    res = await this.send(input, init, renewed.accessToken);
    return res;
  }

  private send(input: string, init: RequestInit, token: string): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${token}`);
    if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
    return this.fetchImpl(input, { ...init, headers, credentials: "same-origin" });
  }

  async signOut(everywhere = false, reason = "signed-out"): Promise<void> {
    try {
      if (everywhere && this.session) await this.send("/api/auth/logout-all", { method: "POST" }, this.session.accessToken);
      await this.fetchImpl("/api/auth/logout", {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", [CSRF_HEADER_NAME]: "1" },
        body: "{}",
      });
    } finally {
      this.endLocally(reason, true);
    }
  }

  /** Forget everything in this tab (and, when asked, in the other tabs). */
  endLocally(reason: string, broadcast: boolean): void {
    if (this.signedOut && !this.session) return;
    this.signedOut = true;
    this.session = null;
    clearTimeout(this.proactiveTimer);
    if (broadcast) this.post({ type: "signed-out", reason });
    for (const l of this.listeners) l({ signedIn: false, session: null, reason });
  }

  private setSession(info: SessionInfo, broadcast: boolean): void {
    this.session = info;
    if (broadcast) this.post({ type: "token", session: info, refreshedAt: this.lastRefreshAt });
    this.scheduleProactive();
    for (const l of this.listeners) l({ signedIn: true, session: info });
  }

  /** A minute before expiry, refresh, but only if the person was active since the last refresh. */
  private scheduleProactive(): void {
    clearTimeout(this.proactiveTimer);
    if (!this.session) return;
    const delay = Math.max(1000, this.session.expiresAt - Date.now() - Math.min(60_000, (this.session.expiresAt - this.lastRefreshAt) / 4));
    this.proactiveTimer = setTimeout(() => void this.refresh().catch(() => undefined), delay);
  }

  private arrivals: (() => void)[] = [];

  /** Resolves when another tab's token arrives, or after `ms`. */
  private tokenArrival(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.arrivals.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private onSync(msg: SyncMessage): void {
    if (msg.type === "token") {
      this.signedOut = false;
      this.lastRefreshAt = Math.max(this.lastRefreshAt, msg.refreshedAt);
      this.setSession(msg.session, false);
      for (const done of this.arrivals.splice(0)) done();
    } else if (msg.type === "signed-out") {
      this.endLocally(msg.reason, false);
    } else if (msg.type === "activity") {
      this.noteActivity(msg.at, true);
    }
  }

  private post(msg: SyncMessage): void {
    this.channel?.postMessage(msg);
  }
}

// When any tab last refreshed (a time, not a secret), so a tab that waited for the lock knows a
// fresh token is on its way over the BroadcastChannel.
const SHARED_REFRESH_KEY = "clinicauth:last-refresh";

function sharedRefreshAt(): number {
  try {
    return Number(localStorage.getItem(SHARED_REFRESH_KEY) ?? 0);
  } catch {
    return 0;
  }
}

function markSharedRefresh(at: number): void {
  try {
    localStorage.setItem(SHARED_REFRESH_KEY, String(at));
  } catch {
    // storage disabled: tabs fall back to the lock alone
  }
}

export async function toApiError(res: Response): Promise<ApiError> {
  let body: ApiErrorBody = {};
  try {
    body = (await res.json()) as ApiErrorBody;
  } catch {
    // not JSON (a proxy's error page): keep the status
  }
  return new ApiError(res.status, body.error?.code ?? "http_error", body.error?.message ?? `The server answered ${res.status}.`, body);
}
