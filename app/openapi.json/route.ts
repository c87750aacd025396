import { openApiDocument } from "@/lib/verify/openapi";

// Public and the same for every caller: built once, at build time.
export const dynamic = "force-static";

export function GET() {
  return Response.json(openApiDocument());
}
