import type { Metadata } from "next";
import { LoginFlow } from "@/components/login-flow";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);
  return (
    <main>
      <LoginFlow next={one(sp.next)} reason={one(sp.reason)} />
    </main>
  );
}
