/**
 * Liveness: answers without touching the database. The benchmarks use it as the floor,
 * the cost of a request through Next's router on this machine.
 */
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok" });
}
