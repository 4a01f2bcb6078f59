import type { Metadata } from "next";
import { AdminSessions } from "@/components/admin-sessions";
import { AuditEvents } from "@/components/audit-events";

export const metadata: Metadata = { title: "Sessions (admin)" };

export default function AdminSessionsPage() {
  return (
    <>
      <AdminSessions />
      <AuditEvents />
    </>
  );
}
