import { describe, expect, it } from "vitest";
import { findReviewPeriodProblem, parseReviewPeriod, type ReviewPeriodProblem } from "./review-period.js";

const NOW = new Date("2026-11-20T10:00:00Z");

describe("findReviewPeriodProblem", () => {
  it.each<[string, ReviewPeriodProblem | undefined]>([
    ["2026-10", undefined],
    ["2026-q4", undefined],
    [" 2026 ", undefined],
    ["2026-11-01..2026-11-15", undefined],
    ["2026-11-19", undefined],
    ["2026-02-30", "impossible_first_day"],
    ["2026-11-21", "not_started"],
    ["2026-13", "month_out_of_range"],
    ["2026-00", "month_out_of_range"],
    ["2026-02-30..2026-03-10", "impossible_first_day"],
    ["2026-03-01..2026-02-30", "impossible_last_day"],
    ["2026-10-20..2026-10-01", "inverted_range"],
    ["2024-01-01..2025-06-30", "too_long"],
    ["2026-12", "not_started"],
    ["2027-Q1", "not_started"],
    ["2026-11-21..2026-11-22", "not_started"],
    ["last month", "unknown_spelling"],
    ["", "unknown_spelling"],
    ["<script>", "unknown_spelling"],
    ["x".repeat(10_000), "unknown_spelling"],
  ])("%j → %s", (input, problem) => {
    expect(findReviewPeriodProblem(input, NOW)).toBe(problem);
  });

  it("agrees with parseReviewPeriod: a problem exactly when it throws", () => {
    for (const input of ["2026-10", "2026-13", "2026-12", "2026-10-20..2026-10-01", "nope", "2026"]) {
      const problem = findReviewPeriodProblem(input, NOW);
      if (problem === undefined) expect(() => parseReviewPeriod(input, NOW)).not.toThrow();
      else expect(() => parseReviewPeriod(input, NOW)).toThrow();
    }
  });
});

describe("parseReviewPeriod", () => {
  it("reads one day as the range of that day, with the same key", () => {
    const day = parseReviewPeriod("2026-11-19", NOW);
    expect(day).toEqual(parseReviewPeriod("2026-11-19..2026-11-19", NOW));
    expect(day.key).toBe("2026-11-19..2026-11-19");
    expect(day.end.getTime() - day.start.getTime()).toBe(86_400_000);
  });
});
