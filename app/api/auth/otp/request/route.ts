import { route } from "@/lib/http/route";
import { otpRequestBody } from "@/lib/schemas/otp";
import { requestOtp } from "@/lib/auth/otp-request";

export const POST = route({ name: "auth.otp.request", body: otpRequestBody }, async ({ body, ip, userAgent }) =>
  Response.json(await requestOtp(body, { ip, userAgent }), { headers: { "cache-control": "no-store" } }),
);
