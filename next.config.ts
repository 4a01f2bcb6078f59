import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Fewer fingerprints for scanners; the security headers come from middleware.ts.
  poweredByHeader: false,
  // A separate build directory lets a benchmark or a second checkout build without touching .next.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  reactStrictMode: true,
  // Server-only packages that must not be bundled (native-ish or large SDKs).
  serverExternalPackages: ["pino", "pino-pretty", "twilio", "@sendgrid/mail", "ioredis", "pg", "prom-client"],
};

export default nextConfig;
