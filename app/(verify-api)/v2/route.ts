import { notFound } from "@/lib/verify/errors";
import { verifyRoutes } from "@/lib/verify/http";

// Any other /v2 path: Twilio answers 404 / 20404 with its error body, never an HTML page.
const unknown = (req: { path: string }) => notFound(req.path);

export const { GET, POST, PUT, PATCH, DELETE } = verifyRoutes({
  GET: unknown,
  POST: unknown,
  PUT: unknown,
  PATCH: unknown,
  DELETE: unknown,
});
