/** Security headers and the CSP, including that Next.js really finds the nonce we put in it. */
import { describe, expect, it } from "vitest";
import { getScriptNonceFromHeader } from "next/dist/server/app-render/get-script-nonce-from-header";
import { contentSecurityPolicy, createNonce, NONCE_HEADER } from "@/lib/http/csp";
import { isNoStorePath, PERMISSIONS_POLICY, securityHeaders } from "@/lib/http/security-headers";
import { CLIENT_IP_HEADER, forwardedRequestHeaders } from "@/lib/http/request-context";

/** "a b c; d e" -> { a: ["b", "c"], d: ["e"] } */
function directives(csp: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of csp.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out[name] = sources;
  }
  return out;
}

describe("createNonce", () => {
  it("is 128 random bits in base64, different every time", () => {
    const nonces = new Set(Array.from({ length: 50 }, () => createNonce()));
    expect(nonces.size).toBe(50);
    for (const n of nonces) expect(Buffer.from(n, "base64")).toHaveLength(16);
  });
});

describe("contentSecurityPolicy", () => {
  const nonce = "abc123+/XYZ=";

  it("production: nonce + strict-dynamic scripts, nothing inline or eval, locked-down bases", () => {
    const d = directives(contentSecurityPolicy({ nonce, development: false }));
    expect(d["default-src"]).toEqual(["'self'"]);
    expect(d["script-src"]).toEqual(["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"]);
    expect(d["style-src"]).toEqual(["'self'", `'nonce-${nonce}'`]);
    expect(d["style-src-attr"]).toEqual(["'unsafe-inline'"]);
    expect(d["connect-src"]).toEqual(["'self'"]);
    expect(d["object-src"]).toEqual(["'none'"]);
    expect(d["base-uri"]).toEqual(["'none'"]);
    expect(d["frame-ancestors"]).toEqual(["'none'"]);
    expect(d["form-action"]).toEqual(["'self'"]);
    const all = Object.values(d).flat();
    expect(all).not.toContain("'unsafe-eval'");
    expect(d["script-src"]).not.toContain("'unsafe-inline'");
    expect(all.some((s) => s.startsWith("http") || s === "*")).toBe(false);
  });

  it("development adds only eval for React, the HMR websocket and nonce-less dev styles", () => {
    const prod = directives(contentSecurityPolicy({ nonce, development: false }));
    const dev = directives(contentSecurityPolicy({ nonce, development: true }));
    expect(dev["script-src"]).toEqual([...prod["script-src"]!, "'unsafe-eval'"]);
    expect(dev["connect-src"]).toEqual(["'self'", "ws:"]);
    expect(dev["style-src"]).toEqual(["'self'", "'unsafe-inline'"]);
    const changed = Object.keys(prod).filter((k) => JSON.stringify(prod[k]) !== JSON.stringify(dev[k]));
    expect(changed.sort()).toEqual(["connect-src", "script-src", "style-src"]);
  });

  it("carries the nonce where Next.js looks for it", () => {
    const real = createNonce();
    expect(getScriptNonceFromHeader(contentSecurityPolicy({ nonce: real, development: false }))).toBe(real);
    expect(getScriptNonceFromHeader(contentSecurityPolicy({ nonce: real, development: true }))).toBe(real);
  });
});

describe("securityHeaders", () => {
  const csp = "default-src 'self'";

  it("sets every header of the design, HSTS in production", () => {
    expect(securityHeaders({ csp, pathname: "/", hsts: true })).toEqual({
      "Content-Security-Policy": csp,
      "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
      "X-Frame-Options": "DENY",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "strict-origin-when-cross-origin",
      "Permissions-Policy": PERMISSIONS_POLICY,
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Resource-Policy": "same-origin",
      "X-XSS-Protection": "0",
    });
  });

  it("leaves HSTS out when not in production (plain-http development must stay reachable)", () => {
    expect(securityHeaders({ csp, pathname: "/", hsts: false })).not.toHaveProperty("Strict-Transport-Security");
  });

  it("denies the powerful browser features", () => {
    for (const feature of ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid"]) {
      expect(PERMISSIONS_POLICY.split(", ")).toContain(`${feature}=()`);
    }
  });

  it("adds Cache-Control: no-store to auth and admin API responses only", () => {
    for (const p of ["/api/auth/refresh", "/api/auth/otp/request", "/api/auth", "/api/admin/sessions", "/api/admin"]) {
      expect(isNoStorePath(p)).toBe(true);
      expect(securityHeaders({ csp, pathname: p, hsts: false })["Cache-Control"]).toBe("no-store");
    }
    for (const p of ["/api/health", "/api/authority", "/api/administrator", "/admin/sessions", "/"]) {
      expect(isNoStorePath(p)).toBe(false);
      expect(securityHeaders({ csp, pathname: p, hsts: false })).not.toHaveProperty("Cache-Control");
    }
  });
});

describe("forwardedRequestHeaders", () => {
  it("replaces whatever the client sent under the internal header names", () => {
    const incoming = new Headers({
      [CLIENT_IP_HEADER]: "6.6.6.6",
      [NONCE_HEADER]: "attacker",
      "content-security-policy": "script-src 'nonce-attacker'",
      "x-request-id": "forged",
      accept: "text/html",
    });
    const out = forwardedRequestHeaders(incoming, { requestId: "rid-1", ip: "10.0.0.7", nonce: "n0nce", csp: "script-src 'nonce-n0nce'" });
    expect(out.get(CLIENT_IP_HEADER)).toBe("10.0.0.7");
    expect(out.get(NONCE_HEADER)).toBe("n0nce");
    expect(out.get("content-security-policy")).toBe("script-src 'nonce-n0nce'");
    expect(out.get("x-request-id")).toBe("rid-1");
    expect(out.get("accept")).toBe("text/html");
    expect(incoming.get(CLIENT_IP_HEADER)).toBe("6.6.6.6"); // the original is not mutated
  });
});
