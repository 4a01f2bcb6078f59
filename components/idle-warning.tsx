"use client";

export function IdleWarning({ secondsLeft, onStay }: { secondsLeft: number; onStay: () => void }) {
  return (
    <div className="notice" role="alertdialog" aria-live="assertive" aria-labelledby="idle-title" style={{ position: "sticky", top: 0, zIndex: 10, margin: "0 0 12px" }}>
      <p id="idle-title" style={{ margin: "0 0 8px" }}>
        <strong>Are you still there?</strong> For safety you will be signed out in {secondsLeft} seconds.
      </p>
      <button type="button" onClick={onStay}>
        Stay signed in
      </button>
    </div>
  );
}
