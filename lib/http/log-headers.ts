/**
 * Internal response header: the route wrapper names the authenticated user here so the server's
 * one-line request log can include it; scripts/server.ts removes it before the response is sent.
 */
export const USER_LOG_HEADER = "x-clinicauth-log-user";
