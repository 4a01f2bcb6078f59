import { route } from "@/lib/http/route";
import { AppError } from "@/lib/http/errors";

// Unknown API paths answer in the one JSON error shape, not with the HTML 404 page.
const notFound = route({ name: "api.not_found" }, async () => {
  throw new AppError("not_found", "There is no such API endpoint.");
});

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
