/** Recipient addresses in logs: enough to tell people apart when debugging, not enough to contact them. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf("@");
  if (at > 0) return `${address.slice(0, 1)}***${address.slice(at)}`;
  const digits = address.replace(/^whatsapp:/i, "");
  return digits.length > 6 ? `${digits.slice(0, 3)}***${digits.slice(-2)}` : "***";
}
