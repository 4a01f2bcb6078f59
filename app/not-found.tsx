import Link from "next/link";

export default function NotFound() {
  return (
    <main>
      <div className="card narrow">
        <h1>Page not found</h1>
        <p className="muted">The page you asked for does not exist.</p>
        <Link href="/">Go to the start page</Link>
      </div>
    </main>
  );
}
