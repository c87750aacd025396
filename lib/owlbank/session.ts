/**
 * Who is signed in, checked next to the data. Every data function and server action calls
 * requireUser(); the signed-in layout's check is only a convenience.
 */
import "server-only";
import { redirect } from "next/navigation";
import { cache } from "react";
import type { User } from "@/db/schema/owlbank";
import { auth } from "@/lib/auth";
import { findUserById } from "./users";

/** The signed-in user, or null. The JWT only names a user id; the row must still exist. */
export const currentUser = cache(async (): Promise<User | null> => {
  const session = await auth();
  const id = session?.user?.id;
  return (id && findUserById(id)) || null;
});

/** The signed-in user; anyone else is sent to the sign-in page. */
export async function requireUser(): Promise<User> {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return user;
}
