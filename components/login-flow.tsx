"use client";
/**
 * The sign-in flow: identifier (email or phone, detected as typed; SMS or WhatsApp for phones),
 * then the 6-digit code. Every error the API can give is shown in plain words, and announced.
 */
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { postJson } from "@/lib/client/api";
import { ApiError } from "@/lib/client/token-client";
import { homeFor, safeNext } from "@/lib/client/safe-next";
import { tokenClient } from "@/components/session-provider";
import { CodeStep } from "@/components/code-step";

type Channel = "email" | "sms" | "whatsapp";
type Sent = { channel: Channel; expiresInSeconds: number; resendAfterSeconds: number };
export type VerifyAnswer = {
  user: { role: "staff" | "admin"; name: string };
  accessToken: string;
  accessTokenExpiresAt: string;
  session: { id: string; idleTimeoutSeconds: number };
};

const LABEL: Record<Channel, string> = { email: "email", sms: "SMS", whatsapp: "WhatsApp" };
const REASONS: Record<string, string> = {
  idle: "You were signed out because nobody used this page for a while.",
  revoked: "Your session was ended. Please sign in again.",
  expired: "Your session has ended. Please sign in again.",
  "signed-out": "You have signed out.",
};

export function looksLikePhone(value: string): boolean {
  return /^[+\d(]/.test(value.trim()) && !value.includes("@");
}

export function describeError(err: unknown): { message: string; alternatives: Channel[] } {
  if (err instanceof ApiError) {
    const alternatives = (err.body.error?.alternatives ?? []) as Channel[];
    return { message: err.message, alternatives };
  }
  return { message: "We could not reach the server. Check your connection and try again.", alternatives: [] };
}

export function LoginFlow({ next, reason }: { next?: string; reason?: string }) {
  const router = useRouter();
  const [identifier, setIdentifier] = useState("");
  const [channel, setChannel] = useState<"sms" | "whatsapp">("sms");
  const [sent, setSent] = useState<Sent | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; alternatives: Channel[] } | null>(null);
  const phone = looksLikePhone(identifier);

  useEffect(() => {
    document.getElementById(sent ? "code" : "identifier")?.focus();
  }, [sent]);

  async function requestCode(chosen?: Channel) {
    setBusy(true);
    setError(null);
    try {
      const want: Channel = chosen ?? (phone ? channel : "email");
      const answer = await postJson<Sent>("/api/auth/otp/request", { identifier, channel: want });
      setSent(answer);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  async function verify(code: string) {
    const answer = await postJson<VerifyAnswer>("/api/auth/otp/verify", { identifier, code });
    tokenClient().adopt({
      accessToken: answer.accessToken,
      expiresAt: Date.parse(answer.accessTokenExpiresAt),
      idleTimeoutSeconds: answer.session.idleTimeoutSeconds,
      sessionId: answer.session.id,
    });
    router.replace(safeNext(next, homeFor(answer.user.role)));
  }

  return (
    <div className="card narrow">
      <h1>Sign in</h1>
      {reason && REASONS[reason] && (
        <p className="notice" role="status">
          {REASONS[reason]}
        </p>
      )}
      {!sent ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void requestCode();
          }}
          noValidate
        >
          <label htmlFor="identifier">Email or phone number</label>
          <input
            id="identifier"
            name="identifier"
            type="text"
            inputMode={phone ? "tel" : "email"}
            autoComplete="username"
            placeholder="name@clinic.example or +44 7700 900123"
            value={identifier}
            onChange={(e) => setIdentifier(e.target.value)}
            aria-describedby="identifier-help"
            required
          />
          <p id="identifier-help" className="muted" style={{ margin: "4px 0 0", fontSize: "0.9rem" }}>
            We will send you a one-time code. Phone numbers need their country code.
          </p>
          {phone && (
            <fieldset style={{ border: 0, padding: 0, margin: "12px 0 0" }}>
              <legend style={{ fontWeight: 600 }}>Send the code by</legend>
              <div className="row">
                {(["sms", "whatsapp"] as const).map((c) => (
                  <label key={c} style={{ fontWeight: 400, margin: 0, display: "flex", gap: 6, alignItems: "center" }}>
                    <input type="radio" name="channel" value={c} checked={channel === c} onChange={() => setChannel(c)} style={{ width: "auto" }} />
                    {LABEL[c]}
                  </label>
                ))}
              </div>
            </fieldset>
          )}
          <ErrorBox error={error} onChoose={(c) => void requestCode(c)} busy={busy} />
          <div style={{ marginTop: 16 }}>
            <button type="submit" disabled={busy || identifier.trim().length < 3}>
              {busy ? "Sending…" : "Send code"}
            </button>
          </div>
        </form>
      ) : (
        <CodeStep
          destination={identifier}
          channelLabel={LABEL[sent.channel]}
          resendAfterSeconds={sent.resendAfterSeconds}
          expiresInSeconds={sent.expiresInSeconds}
          onVerify={verify}
          onResend={async () => {
            setSent(await postJson<Sent>("/api/auth/otp/request", { identifier, channel: sent.channel }));
          }}
          onBack={() => {
            setSent(null);
            setError(null);
          }}
        />
      )}
    </div>
  );
}

export function ErrorBox({ error, onChoose, busy }: { error: { message: string; alternatives: Channel[] } | null; onChoose?: (c: Channel) => void; busy?: boolean }) {
  return (
    <div role="alert" aria-live="assertive" style={{ minHeight: 24, marginTop: 12 }}>
      {error && (
        <>
          <p className="error" style={{ margin: 0 }}>
            {error.message}
          </p>
          {onChoose && error.alternatives.length > 0 && (
            <div className="row" style={{ marginTop: 8 }}>
              {error.alternatives.map((c) => (
                <button key={c} type="button" className="secondary" disabled={busy} onClick={() => onChoose(c)}>
                  Send by {LABEL[c]} instead
                </button>
              ))}
            </div>
          )}
        </>
      )}
    </div>
  );
}
