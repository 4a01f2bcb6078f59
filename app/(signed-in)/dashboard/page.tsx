import type { Metadata } from "next";
import { StaffDashboard } from "@/components/staff-dashboard";

export const metadata: Metadata = { title: "My sessions" };

export default function DashboardPage() {
  return <StaffDashboard />;
}
