"use client";
/** The 6-digit code step: paste or type, numeric keyboard, WebOTP where the browser has it, resend countdown. */
import { useEffect, useRef, useState } from "react";
import { ErrorBox, describeError } from "@/components/login-flow";

type Props = {
  destination: string;
  channelLabel: string;
  resendAfterSeconds: number;
  expiresInSeconds: number;
  onVerify: (code: string) => Promise<void>;
  onResend: () => Promise<void>;
  onBack: () => void;
};

type OtpCredentialLike = Credential & { code?: string };

export function CodeStep({ destination, channelLabel, resendAfterSeconds, expiresInSeconds, onVerify, onResend, onBack }: Props) {
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ReturnType<typeof describeError> | null>(null);
  const [resendAt, setResendAt] = useState(() => Date.now() + resendAfterSeconds * 1000);
  const [now, setNow] = useState(() => Date.now());
  const submitted = useRef<string | null>(null);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, []);

  // WebOTP: Chrome on Android can read the SMS (its last line is "@host #code") and fill the field.
  useEffect(() => {
    if (typeof window === "undefined" || !("OTPCredential" in window)) return;
    const abort = new AbortController();
    navigator.credentials
      .get({ otp: { transport: ["sms"] }, signal: abort.signal } as CredentialRequestOptions)
      .then((cred) => {
        const value = (cred as OtpCredentialLike | null)?.code;
        if (value) setCode(value);
      })
      .catch(() => undefined);
    return () => abort.abort();
  }, []);

  async function submit(value: string) {
    if (!/^\d{6}$/.test(value) || busy || submitted.current === value) return;
    submitted.current = value;
    setBusy(true);
    setError(null);
    try {
      await onVerify(value);
    } catch (err) {
      setError(describeError(err));
      submitted.current = null;
      setBusy(false);
    }
  }

  useEffect(() => {
    if (code.length === 6) void submit(code);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [code]);

  const wait = Math.max(0, Math.ceil((resendAt - now) / 1000));

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit(code);
      }}
      noValidate
    >
      <p role="status">
        We sent a code by {channelLabel} to <strong>{destination}</strong>. It is valid for {Math.round(expiresInSeconds / 60)} minutes.
      </p>
      <label htmlFor="code">6-digit code</label>
      <input
        id="code"
        name="code"
        type="text"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]{6}"
        maxLength={6}
        value={code}
        onChange={(e) => setCode(e.target.value.replace(/\D/g, "").slice(0, 6))}
        onPaste={(e) => {
          const digits = e.clipboardData.getData("text").replace(/\D/g, "").slice(0, 6);
          if (digits) {
            e.preventDefault();
            setCode(digits);
          }
        }}
        aria-describedby="code-help"
        style={{ fontSize: "1.4rem", letterSpacing: "0.3em", maxWidth: 220 }}
      />
      <p id="code-help" className="muted" style={{ margin: "4px 0 0", fontSize: "0.9rem" }}>
        Type or paste the code; it is checked as soon as all 6 digits are in.
      </p>
      <ErrorBox error={error} />
      <div className="row" style={{ marginTop: 16 }}>
        <button type="submit" disabled={busy || code.length !== 6}>
          {busy ? "Checking…" : "Sign in"}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={wait > 0 || busy}
          onClick={() => {
            setError(null);
            void onResend()
              .then(() => setResendAt(Date.now() + resendAfterSeconds * 1000))
              .catch((err: unknown) => setError(describeError(err)));
          }}
          aria-live="polite"
        >
          {wait > 0 ? `Resend code in ${wait} s` : "Resend code"}
        </button>
        <button type="button" className="secondary" onClick={onBack} disabled={busy}>
          Use another email or phone
        </button>
      </div>
    </form>
  );
}
