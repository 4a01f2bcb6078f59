/**
 * Starts the production build (`npm start` = scripts/start.ts) on a free port against a fresh test
 * database and the local Upstash endpoint on the real Redis, with a production environment.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { generateSigningJwk } from "../../../lib/auth/keys";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export type AppServer = { url: string; process: ChildProcess; output: () => string; stop: () => Promise<void> };

export async function startApp(env: Record<string, string>): Promise<AppServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const jwk = await generateSigningJwk("ES256");
  const child = spawn("npx", ["tsx", "scripts/start.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      HOST: "127.0.0.1",
      PORT: String(port),
      APP_URL: url,
      JWT_PRIVATE_JWKS: JSON.stringify({ keys: [jwk] }),
      OTP_SECRET: "e2e-otp-secret-0123456789abcdef0123456789",
      METRICS_TOKEN: "e2e-metrics-token",
      OTP_MOCK_IN_PRODUCTION: "true",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The app exited during start-up:\n${out}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`The app did not become healthy in 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    process: child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid!, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
    },
  };
}
