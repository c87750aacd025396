"use client";
import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};

const OPTIONS: Record<"date" | "dateTime", Intl.DateTimeFormatOptions> = {
  date: { dateStyle: "medium" },
  dateTime: { dateStyle: "medium", timeStyle: "short" },
};

/**
 * A date in the reader's own time zone. The server can't know that zone, so it renders UTC
 * (labelled) and the browser swaps in local time after hydration, without a mismatch.
 */
export function LocalTime({ iso, format = "date" }: { iso: string; format?: "date" | "dateTime" }) {
  const text = useSyncExternalStore(
    noSubscription,
    () => new Intl.DateTimeFormat(undefined, OPTIONS[format]).format(new Date(iso)),
    () => `${new Intl.DateTimeFormat("en-US", { ...OPTIONS[format], timeZone: "UTC" }).format(new Date(iso))}${format === "dateTime" ? " UTC" : ""}`,
  );
  return <time dateTime={iso}>{text}</time>;
}
