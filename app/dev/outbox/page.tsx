import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { listOutbox } from "@/lib/delivery/outbox";
import { outboxEnabled } from "@/lib/delivery/channels";
import { CHANNEL_LABEL } from "@/lib/client/format";

export const metadata: Metadata = { title: "Development outbox" };

export default function OutboxPage() {
  // 404 in production unless mock delivery was allowed there on purpose.
  if (!outboxEnabled()) notFound();
  const messages = listOutbox();
  return (
    <main>
      <h1>Development outbox</h1>
      <p className="muted">Messages the mock delivery &ldquo;sent&rdquo;, newest first. Nothing here left this machine.</p>
      {messages.length === 0 ? (
        <p className="card">No messages yet. Ask for a code on the sign-in page.</p>
      ) : (
        <ol style={{ listStyle: "none", padding: 0, display: "grid", gap: 12 }}>
          {messages.map((m) => (
            <li key={m.id} className="card">
              <div className="row" style={{ justifyContent: "space-between" }}>
                <strong>
                  {CHANNEL_LABEL[m.channel] ?? m.channel} to {m.to}
                </strong>
                <time dateTime={m.at} className="muted">
                  {m.at}
                </time>
              </div>
              {m.code && (
                <p style={{ fontSize: "1.4rem", letterSpacing: "0.2em", margin: "8px 0" }}>
                  Code: <span data-testid="outbox-code">{m.code}</span>
                </p>
              )}
              {m.subject && <p style={{ margin: 0 }}>Subject: {m.subject}</p>}
              <pre style={{ whiteSpace: "pre-wrap", margin: "8px 0 0", fontFamily: "inherit" }}>{m.text}</pre>
            </li>
          ))}
        </ol>
      )}
    </main>
  );
}
