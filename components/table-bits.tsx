"use client";
/** Pieces the three tables share: the loading/empty/error row and the pager. */

export function StatusRow({ columns, loading, empty, error, emptyText }: { columns: number; loading: boolean; empty: boolean; error?: string | null; emptyText: string }) {
  if (error) {
    return (
      <tr>
        <td colSpan={columns} className="error">
          {error}
        </td>
      </tr>
    );
  }
  if (!loading && !empty) return null;
  return (
    <tr>
      <td colSpan={columns} className="muted">
        {loading ? "Loading…" : emptyText}
      </td>
    </tr>
  );
}

export function Pager({ label, page, pages, onPage, note }: { label: string; page: number; pages: number; onPage: (p: number) => void; note?: string }) {
  return (
    <nav aria-label={label} className="row" style={{ marginTop: 12 }}>
      <button type="button" className="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages} {note ?? ""}
      </span>
      <button type="button" className="secondary" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}
