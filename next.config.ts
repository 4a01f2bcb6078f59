import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Fewer fingerprints for scanners; the security headers come from middleware.ts.
  poweredByHeader: false,
  reactStrictMode: true,
  // Server-only packages that must not be bundled (native-ish or large SDKs).
  serverExternalPackages: ["pino", "pino-pretty", "twilio", "@sendgrid/mail", "ioredis", "pg", "prom-client"],
};

export default nextConfig;
