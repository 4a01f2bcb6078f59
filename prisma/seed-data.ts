/** The people `npm run db:seed` (and `npm run dev`) create. Example domains/numbers only. */
export const SEED_USERS = [
  { email: "admin@clinic.example", phone: null, name: "Ada Admin", role: "admin" },
  { email: "nurse@clinic.example", phone: null, name: "Noor Nurse", role: "staff" },
  { email: null, phone: "+14155552671", name: "Pat Porter", role: "staff" },
] as const;
