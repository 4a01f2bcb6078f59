/**
 * The one error type. Services throw `AppError(code, message, details?)`; the route wrapper turns it
 * into `{ "error": { "code", "message", "requestId", ...details } }` with the status from STATUS.
 * Messages are written for the person reading them and never contain codes, tokens or secrets.
 */
export const STATUS = {
  invalid_input: 400,
  malformed_json: 400,
  invalid_code: 400,
  channel_unavailable: 400,
  unauthorized: 401,
  invalid_token: 401,
  session_ended: 401,
  forbidden: 403,
  csrf_rejected: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  delivery_failed: 502,
  service_unavailable: 503,
  timeout: 504,
} as const;

export type ErrorCode = keyof typeof STATUS;

export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "AppError";
    this.status = STATUS[code];
  }
}

export type ErrorBody = { error: { code: ErrorCode; message: string; requestId: string } & ErrorDetails };

export function errorBody(err: AppError, requestId: string): ErrorBody {
  return { error: { ...err.details, code: err.code, message: err.message, requestId } };
}
