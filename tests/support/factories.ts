/** Test data: people and sessions in the run's database. */
import { db } from "@/lib/db/client";
import { createSession } from "@/lib/auth/sessions";

let n = 0;
export async function makeUser(role: "staff" | "admin" = "staff", extra: { phone?: string } = {}) {
  n++;
  return db().user.create({
    data: { email: extra.phone ? null : `person${n}-${Date.now()}@clinic.example`, phone: extra.phone ?? null, name: `Person ${n}`, role },
  });
}

export async function signIn(user: { id: string; role: "staff" | "admin" }, ua = "Mozilla/5.0 (Windows NT 10.0) Chrome/130.0 Safari/537.36") {
  return createSession(user, "email", { ip: "203.0.113.7", userAgent: ua });
}

export const APP_ORIGIN = "http://localhost:3000";

/** A Request as a browser on our own origin would send it. */
export function browserRequest(path: string, init: { method?: string; cookie?: string; headers?: Record<string, string>; body?: unknown } = {}): Request {
  const headers = new Headers({ origin: APP_ORIGIN, "sec-fetch-site": "same-origin", "x-clinicauth-csrf": "1", ...(init.headers ?? {}) });
  if (init.cookie) headers.set("cookie", init.cookie);
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return new Request(`${APP_ORIGIN}${path}`, { method: init.method ?? "POST", headers, body });
}

export function bearer(path: string, token: string, init: { method?: string; body?: unknown } = {}): Request {
  const headers = new Headers({ authorization: `Bearer ${token}` });
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    headers.set("content-type", "application/json");
  }
  return new Request(`${APP_ORIGIN}${path}`, { method: init.method ?? "GET", headers, body });
}

export const params = (p: Record<string, string>) => ({ params: Promise.resolve(p) });
