import type { EntityParams } from "@/lib/verify/entities/service";
import * as factors from "@/lib/verify/factors/service";
import { verifyRoutes } from "@/lib/verify/http";

export const { GET, POST, PUT, PATCH, DELETE } = verifyRoutes<EntityParams>({
  GET: factors.list,
  POST: factors.createLegacy,
});
