/** Request ids: keep a caller's id when it is a safe token, otherwise make one. */
export const REQUEST_ID_HEADER = "x-request-id";
const SAFE = /^[A-Za-z0-9._-]{1,64}$/;

export function requestIdFrom(incoming: string | null | undefined): string {
  return incoming && SAFE.test(incoming) ? incoming : crypto.randomUUID();
}
