import { approveChallenge } from "@/lib/verify/challenges/approve";
import { verifyRoutes } from "@/lib/verify/http";

export const { GET, POST, PUT, PATCH, DELETE } = verifyRoutes<{ serviceSid: string }>({ POST: approveChallenge });
