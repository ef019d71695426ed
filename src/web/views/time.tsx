/**
 * Times on pages: one format everywhere, "7 Jan 2025 10:42 UTC" (24-hour, labelled UTC because it
 * is UTC, whatever the browser's time zone), in a `<time datetime>` element machines can read.
 * @module
 */

const MINUTES = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});

const SECONDS = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});

/** "7 Jan 2025 10:42 UTC", or with `seconds` "7 Jan 2025 10:42:05 UTC" (timelines). */
export function formatUtcTime(at: Date, options: { seconds?: boolean } = {}): string {
  return `${(options.seconds ? SECONDS : MINUTES).format(at)} UTC`;
}

/** `<time>` for a Date or an ISO-8601 string. */
export function Time({ at, seconds }: { at: Date | string; seconds?: boolean }) {
  const date = typeof at === "string" ? new Date(at) : at;
  return <time datetime={date.toISOString()}>{formatUtcTime(date, { seconds: seconds === true })}</time>;
}
