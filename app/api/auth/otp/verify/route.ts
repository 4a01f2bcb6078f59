import { route } from "@/lib/http/route";
import { otpVerifyBody } from "@/lib/schemas/otp";
import { verifyOtp } from "@/lib/auth/otp-verify";
import { tokenResponse } from "@/lib/auth/token-transport";

export const POST = route({ name: "auth.otp.verify", body: otpVerifyBody }, async ({ body, ip, userAgent }) => {
  const { pair, user } = await verifyOtp(body, { ip, userAgent });
  return tokenResponse(pair, body.tokenDelivery, { user });
});
