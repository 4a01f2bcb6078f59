/** JSON helpers over the token client, used as the react-query fetcher. */
import "client-only";
import { toApiError, type TokenClient } from "@/lib/client/token-client";

export async function apiJson<T>(client: TokenClient, path: string, init: RequestInit = {}): Promise<T> {
  const res = await client.fetch(path, init);
  if (!res.ok) throw await toApiError(res);
  return (await res.json()) as T;
}

/** Unauthenticated JSON POST (the sign-in steps). */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), credentials: "same-origin" });
  if (!res.ok) throw await toApiError(res);
  return (await res.json()) as T;
}
