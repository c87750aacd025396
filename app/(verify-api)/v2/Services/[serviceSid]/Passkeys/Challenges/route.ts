import * as challenges from "@/lib/verify/challenges/service";
import { verifyRoutes } from "@/lib/verify/http";

export const { GET, POST, PUT, PATCH, DELETE } = verifyRoutes<{ serviceSid: string }>({ POST: challenges.create });
