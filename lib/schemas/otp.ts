/** OTP request and verify bodies, shared by the login form and the route handlers. */
import { z } from "zod";

export const channelSchema = z.enum(["email", "sms", "whatsapp"]);

export const otpRequestBody = z.strictObject({
  identifier: z.string().trim().min(3, "Enter your email address or phone number.").max(254),
  channel: channelSchema.optional(),
});

export const otpVerifyBody = z.strictObject({
  identifier: z.string().trim().min(3).max(254),
  code: z.string().trim().regex(/^\d{6}$/, "The code is 6 digits."),
  /** Browsers get the refresh token as a cookie; other clients may ask for it in the body. */
  tokenDelivery: z.enum(["cookie", "body"]).default("cookie"),
});

export type OtpRequestBody = z.infer<typeof otpRequestBody>;
export type OtpVerifyBody = z.infer<typeof otpVerifyBody>;
