import { route } from "@/lib/http/route";
import { currentUser } from "@/lib/auth/profile";

export const GET = route({ name: "auth.me", auth: "user" }, async ({ auth }) => currentUser(auth));
