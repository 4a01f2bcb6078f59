import Link from "next/link";

export default function HomePage() {
  return (
    <main>
      <div className="card narrow">
        <h1>ClinicAuth</h1>
        <p className="muted">Sign-in and session security for clinic staff.</p>
        <p>
          <Link href="/login">Sign in</Link>
        </p>
      </div>
    </main>
  );
}
