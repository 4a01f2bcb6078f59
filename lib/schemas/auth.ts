/**
 * Request schemas for the auth and admin APIs, shared by the client forms and the route handlers.
 * Objects are strict: an unknown field is an error, not something silently ignored.
 */
import { z } from "zod";

export const refreshTokenField = z.string().min(1).max(128);

export const refreshBody = z.strictObject({ refreshToken: refreshTokenField.optional() });
export const logoutBody = refreshBody;

export const uuidParam = z.strictObject({ id: z.uuid({ message: "must be a UUID" }) });

const pageQuery = {
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(25),
};

export const adminSessionsQuery = z.strictObject({
  ...pageQuery,
  user: z.string().trim().min(1).max(254).optional(),
  role: z.enum(["staff", "admin"]).optional(),
  channel: z.enum(["email", "sms", "whatsapp"]).optional(),
  ip: z.string().trim().min(1).max(45).optional(),
});

export const adminAuditQuery = z.strictObject({
  ...pageQuery,
  type: z.string().trim().min(1).max(64).optional(),
  userId: z.uuid().optional(),
});

export const adminUserPatch = z
  .strictObject({
    status: z.enum(["active", "disabled"]).optional(),
    role: z.enum(["staff", "admin"]).optional(),
  })
  .refine((v) => v.status !== undefined || v.role !== undefined, { message: "give status, role, or both" });

export type AdminSessionsQuery = z.infer<typeof adminSessionsQuery>;
export type AdminAuditQuery = z.infer<typeof adminAuditQuery>;
export type AdminUserPatch = z.infer<typeof adminUserPatch>;
