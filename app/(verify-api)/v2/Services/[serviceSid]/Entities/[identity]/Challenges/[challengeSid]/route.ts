import * as challenges from "@/lib/verify/challenges/service";
import type { EntityParams } from "@/lib/verify/entities/service";
import { verifyRoutes } from "@/lib/verify/http";

export const { GET, POST, PUT, PATCH, DELETE } = verifyRoutes<EntityParams & { challengeSid: string }>({
  GET: challenges.fetch,
  POST: challenges.legacy,
});
