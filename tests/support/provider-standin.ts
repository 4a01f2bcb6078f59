/**
 * A local HTTP server standing in for the two provider APIs the delivery layer calls, so the real
 * `twilio` and `@sendgrid/mail` SDKs run their whole request path in tests:
 *
 *   POST /2010-04-01/Accounts/{AccountSid}/Messages.json   Twilio Messages (form-encoded, Basic auth)
 *   POST /v3/mail/send                                     SendGrid Mail Send (JSON, Bearer auth)
 *
 * Every request is recorded (method, path, headers, parsed body) before it is answered. Each channel
 * can be told to fail with a status of choice; the error bodies have the providers' own shapes, so
 * the SDKs raise the same exceptions they raise in production. Point the SDKs here with
 * TWILIO_API_BASE_URL and SENDGRID_API_BASE_URL.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export type StandInChannel = "email" | "sms" | "whatsapp";

export type RecordedRequest = {
  provider: "twilio" | "sendgrid" | "unknown";
  /** For Twilio, decided by the `To` address (`whatsapp:` prefix or not). */
  channel?: StandInChannel;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Twilio: the form fields as an object; SendGrid: the parsed JSON; otherwise the raw text. */
  body: unknown;
  /** The answer's status code. */
  status: number;
};

export type StandInOptions = {
  twilio?: { accountSid: string; authToken: string };
  sendgridApiKey?: string;
};

export interface ProviderStandIn {
  url: string;
  readonly requests: RecordedRequest[];
  /** Requests for one channel, in arrival order. */
  requestsFor(channel: StandInChannel): RecordedRequest[];
  /** Answer this channel's sends with `status` (default 500) until `recover`/`reset`. */
  fail(channel: StandInChannel, status?: number): void;
  recover(channel: StandInChannel): void;
  /** Forget recorded requests and failures. */
  reset(): void;
  close(): Promise<void>;
}

const TWILIO_MESSAGES = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

export async function startProviderStandIn(options: StandInOptions = {}): Promise<ProviderStandIn> {
  const requests: RecordedRequest[] = [];
  const failures = new Map<StandInChannel, number>();

  const server = createServer((req, res) => {
    readBody(req)
      .then((raw) => route(req, raw))
      .then(({ record, status, headers, body }) => {
        requests.push({ ...record, status });
        res.writeHead(status, headers);
        res.end(body);
      })
      .catch((err: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`stand-in error: ${err instanceof Error ? err.message : String(err)}`);
      });
  });

  type Answer = { record: Omit<RecordedRequest, "status">; status: number; headers: Record<string, string>; body: string };

  function route(req: IncomingMessage, raw: string): Answer {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://stand-in").pathname;
    const base = { method, path, headers: req.headers };

    const twilio = TWILIO_MESSAGES.exec(path);
    if (method === "POST" && twilio) {
      const form = Object.fromEntries(new URLSearchParams(raw));
      const channel: StandInChannel = String(form.To ?? "").startsWith("whatsapp:") ? "whatsapp" : "sms";
      const record = { ...base, provider: "twilio" as const, channel, body: form };
      if (!twilioAuthorised(req.headers.authorization, twilio[1] ?? "")) {
        return { record, ...json(401, { code: 20003, message: "Authenticate", more_info: "https://www.twilio.com/docs/errors/20003", status: 401 }) };
      }
      const failure = failures.get(channel);
      if (failure) {
        return { record, ...json(failure, { code: 20500, message: "Internal Server Error", more_info: "https://www.twilio.com/docs/errors/20500", status: failure }) };
      }
      return { record, ...json(201, twilioMessage(twilio[1] ?? "", form)) };
    }

    if (method === "POST" && path === "/v3/mail/send") {
      const body: unknown = raw ? JSON.parse(raw) : undefined;
      const record = { ...base, provider: "sendgrid" as const, channel: "email" as const, body };
      if (options.sendgridApiKey && req.headers.authorization !== `Bearer ${options.sendgridApiKey}`) {
        return { record, ...json(401, { errors: [{ message: "The provided authorization grant is invalid, expired, or revoked", field: null, help: null }] }) };
      }
      const failure = failures.get("email");
      if (failure) return { record, ...json(failure, { errors: [{ message: "Internal server error", field: null, help: null }] }) };
      // SendGrid answers an accepted send with 202 and an empty body.
      return { record, status: 202, headers: { "x-message-id": randomBytes(11).toString("base64url") }, body: "" };
    }

    return { record: { ...base, provider: "unknown", body: raw }, ...json(404, { message: "no such stand-in route" }) };
  }

  function twilioAuthorised(header: string | undefined, pathSid: string): boolean {
    if (!options.twilio) return true;
    const expected = `Basic ${Buffer.from(`${options.twilio.accountSid}:${options.twilio.authToken}`).toString("base64")}`;
    return header === expected && pathSid === options.twilio.accountSid;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsFor: (channel) => requests.filter((r) => r.channel === channel),
    fail: (channel, status = 500) => void failures.set(channel, status),
    recover: (channel) => void failures.delete(channel),
    reset: () => {
      requests.length = 0;
      failures.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function json(status: number, value: unknown): { status: number; headers: Record<string, string>; body: string } {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}

/** The fields of Twilio's Message resource that the SDK reads back. */
function twilioMessage(accountSid: string, form: Record<string, string>) {
  const sid = `SM${randomBytes(16).toString("hex")}`;
  const date = new Date().toUTCString();
  return {
    sid,
    account_sid: accountSid,
    to: form.To ?? null,
    from: form.From ?? null,
    messaging_service_sid: form.MessagingServiceSid ?? null,
    body: form.Body ?? "",
    status: "queued",
    num_segments: "1",
    direction: "outbound-api",
    api_version: "2010-04-01",
    date_created: date,
    date_updated: date,
    date_sent: null,
    error_code: null,
    error_message: null,
    price: null,
    price_unit: "USD",
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    subresource_uris: {},
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

