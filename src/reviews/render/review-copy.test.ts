import { describe, expect, it } from "vitest";
import { describePreviousReview, NO_FAILURES } from "./review-copy.js";

describe("describePreviousReview", () => {
  const previousReview = { reviewId: "5a1c2b3d-4e5f-4a6b-8c7d-000000000001", periodLabel: "October 2026" };

  it("promises a comparison when the previous review has a figure for some profile", () => {
    expect(
      describePreviousReview({
        previousReview,
        profiles: [{ previousUnresolvedCount: 3 }, { previousUnresolvedCount: null }],
      }),
    ).toBe("Changes are compared with the previous ready review (October 2026).");
  });

  it("says plainly when the previous review has no figure for any profile listed", () => {
    expect(
      describePreviousReview({
        previousReview,
        profiles: [{ previousUnresolvedCount: null }, { previousUnresolvedCount: null }],
      }),
    ).toBe(
      "The previous ready review (October 2026) has no figure for these baseline profiles, so no change is shown.",
    );
  });

  it("says when there is no previous review", () => {
    expect(describePreviousReview({ previousReview: null, profiles: [] })).toBe(
      "There is no ready review of an earlier period to compare with.",
    );
  });
});

describe("NO_FAILURES", () => {
  it("names partially succeeded runs with the other outcomes the failures list holds", () => {
    expect(NO_FAILURES).toMatch(/partially succeeded/);
  });
});
