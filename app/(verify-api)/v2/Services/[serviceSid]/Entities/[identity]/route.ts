import * as entities from "@/lib/verify/entities/service";
import { verifyRoutes } from "@/lib/verify/http";

export const { GET, POST, PUT, PATCH, DELETE } = verifyRoutes<entities.EntityParams>({
  GET: entities.fetch,
  DELETE: entities.remove,
});
