/**
 * The one wrapper every route handler runs in. It parses and validates input, authenticates,
 * applies the per-user rate limit, enforces a timeout, and maps every failure to the one JSON
 * error shape. Handlers stay a few lines: parse (declared here), call one service, return data.
 */
import "server-only";
import { z, ZodError, type ZodType } from "zod";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { AppError, errorBody } from "@/lib/http/errors";
import { readJsonBody } from "@/lib/http/body";
import { clientIp } from "@/lib/http/client-ip";
import { REQUEST_ID_HEADER, requestIdFrom } from "@/lib/http/request-id";
import { authenticate, type AuthContext } from "@/lib/auth/require-auth";
import { enforceLimit } from "@/lib/ratelimit";
import { metrics } from "@/lib/metrics";
import { USER_LOG_HEADER } from "@/lib/http/log-headers";

export const DEFAULT_TIMEOUT_MS = 60_000;

type Schema = ZodType | undefined;
type Out<S extends Schema> = S extends ZodType ? z.output<S> : undefined;

export type RouteOptions<B extends Schema, Q extends Schema, P extends Schema, A extends "user" | "admin" | undefined> = {
  /** Name for metrics and logs, e.g. "auth.refresh". */
  name: string;
  body?: B;
  /** When true, an absent body is allowed (and validated as {}). */
  optionalBody?: boolean;
  query?: Q;
  params?: P;
  auth?: A;
  timeoutMs?: number;
};

export type RouteContext<B extends Schema, Q extends Schema, P extends Schema, A> = {
  req: Request;
  body: Out<B>;
  query: Out<Q>;
  params: Out<P>;
  auth: A extends "user" | "admin" ? AuthContext : undefined;
  requestId: string;
  ip: string;
  userAgent: string | null;
};

type NextContext = { params?: Promise<Record<string, string | string[]>> };

export function route<B extends Schema = undefined, Q extends Schema = undefined, P extends Schema = undefined, A extends "user" | "admin" | undefined = undefined>(
  options: RouteOptions<B, Q, P, A>,
  handler: (ctx: RouteContext<B, Q, P, A>) => Promise<Response | object>,
): (req: Request, nextCtx?: NextContext) => Promise<Response> {
  return async (req, nextCtx) => {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers.get(REQUEST_ID_HEADER));
    let userId: string | undefined;
    let response: Response;
    try {
      const result = await withTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, async () => {
        // Computed here, not taken from middleware's forwarded header: a middleware bypass must
        // not let a client choose the address its limits and audit events are filed under.
        const ip = clientIp(req.headers, env().TRUST_PROXY);
        const query = options.query ? parseWith(options.query, Object.fromEntries(new URL(req.url).searchParams)) : undefined;
        const params = options.params ? parseWith(options.params, (await nextCtx?.params) ?? {}) : undefined;
        let auth: AuthContext | undefined;
        if (options.auth) {
          auth = await authenticate(req.headers, options.auth);
          userId = auth.userId;
          await enforceLimit("api-user", auth.userId);
        }
        let body: unknown;
        if (options.body) {
          const hasBody = req.headers.get("content-length") !== "0" && req.body !== null;
          const raw = options.optionalBody && !hasBody ? {} : await readJsonBody(req);
          body = parseWith(options.body, raw);
        }
        const ctx = { req, body, query, params, auth, requestId, ip, userAgent: req.headers.get("user-agent") } as RouteContext<B, Q, P, A>;
        return handler(ctx);
      });
      response = result instanceof Response ? result : Response.json(result);
    } catch (err) {
      response = errorResponse(err, requestId, options.name);
    }
    response.headers.set(REQUEST_ID_HEADER, requestId);
    if (userId) response.headers.set(USER_LOG_HEADER, userId);
    metrics().requests.observe({ method: req.method, route: options.name, status: String(response.status) }, (performance.now() - started) / 1000);
    return response;
  };
}

function parseWith<S extends ZodType>(schema: S, input: unknown): z.output<S> {
  return schema.parse(input);
}

async function withTimeout<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError("timeout", "The server took too long to answer. Please try again.")), ms);
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Field list for a 400: paths and messages only, never the submitted values. */
export function fieldsOf(err: ZodError): { path: string; message: string }[] {
  return err.issues.map((i) => ({ path: i.path.join(".") || "(body)", message: i.message }));
}

export function errorResponse(err: unknown, requestId: string, routeName = "unknown"): Response {
  let appError: AppError;
  if (err instanceof AppError) {
    appError = err;
  } else if (err instanceof ZodError) {
    appError = new AppError("invalid_input", "Some fields are missing or invalid.", { fields: fieldsOf(err) });
  } else {
    const e = err instanceof Error ? err : new Error(String(err));
    log().error({ requestId, route: routeName, err: { name: e.name, message: e.message, stack: e.stack } }, "unhandled error in route handler");
    const details = env().isProduction ? {} : { stack: e.stack?.split("\n").slice(0, 8) };
    appError = new AppError("internal", "Something went wrong on our side. Quote the request id if you contact support.", details);
  }
  const headers = new Headers({ "cache-control": "no-store", ...appError.headers });
  return Response.json(errorBody(appError, requestId), { status: appError.status, headers });
}
