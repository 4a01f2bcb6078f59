import { SessionProvider } from "@/components/session-provider";
import { AppHeader } from "@/components/app-header";

export default function SignedInLayout({ children }: { children: React.ReactNode }) {
  return (
    <SessionProvider>
      <AppHeader />
      <main>{children}</main>
    </SessionProvider>
  );
}
