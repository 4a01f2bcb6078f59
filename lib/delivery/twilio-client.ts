/**
 * One Twilio REST client for the SMS and WhatsApp providers, plus the single call they both make
 * (Messages.create) with the SDK's errors turned into `ProviderError`s that are safe to log.
 */
import "server-only";
import twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient";
import type { MessageListInstanceCreateOptions } from "twilio/lib/rest/api/v2010/account/message";
import { env, type Env } from "@/lib/env";
import { providerEndpoints, rebase } from "./endpoints";
import { ProviderError } from "./types";

// The route wrapper gives a request 60 s and a fallback may need a second send: fail each in 10 s.
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Twilio's own RequestClient (same axios call, same auth, same form encoding), with every URL
 * re-aimed at another base. This is the SDK's documented extension point (`httpClient`); the
 * `edge`/`region` options only rewrite the *.twilio.com host name and cannot reach a local server.
 */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(private readonly base: URL) {
    super({ timeout: REQUEST_TIMEOUT_MS });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request({ ...opts, uri: rebase(opts.uri, this.base) });
  }
}

let cached: { env: Env; base: string | undefined; client: twilio.Twilio } | undefined;

/** Rebuilt whenever the parsed environment object changes (tests call resetEnv between cases). */
function client(): twilio.Twilio {
  const e = env();
  const base = providerEndpoints().twilio;
  if (cached && cached.env === e && cached.base === base?.href) return cached.client;
  if (!e.TWILIO_ACCOUNT_SID || !e.TWILIO_AUTH_TOKEN) throw new Error("Twilio credentials are not configured");
  const created = twilio(e.TWILIO_ACCOUNT_SID, e.TWILIO_AUTH_TOKEN, {
    timeout: REQUEST_TIMEOUT_MS,
    // No automatic retries: a retried OTP send could reach the person twice; our fallback decides.
    autoRetry: false,
    ...(base ? { httpClient: new RebasedRequestClient(base) } : {}),
  });
  cached = { env: e, base: base?.href, client: created };
  return created;
}

export async function createTwilioMessage(params: MessageListInstanceCreateOptions): Promise<void> {
  try {
    await client().messages.create(params);
  } catch (err) {
    throw toProviderError(err);
  }
}

/**
 * RestException carries Twilio's status, numeric error code and message. Anything else (network,
 * timeout) is an axios error whose `config` holds the Authorization header: keep only its message.
 */
function toProviderError(err: unknown): ProviderError {
  if (err instanceof twilio.RestException) {
    return new ProviderError("twilio", err.message, err.status, err.code);
  }
  const message = err instanceof Error ? err.message : "unknown error";
  const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : undefined;
  return new ProviderError("twilio", message, undefined, code);
}

/** Twilio's queue lifetime accepts 1..36000 seconds. */
export function validityPeriod(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.min(36_000, Math.max(1, Math.floor(seconds)));
}
