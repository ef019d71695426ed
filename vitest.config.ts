import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    pool: "forks",
    hookTimeout: 120_000,
    testTimeout: 120_000,
    reporters: ["default", "./test/plain-summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["**/*.db.test.ts", "**/*.e2e.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "db",
          include: ["src/**/*.db.test.ts", "test/**/*.db.test.ts"],
          globalSetup: ["./test/global-setup.ts"],
        },
      },
      {
        // Real browser (Debian's chromium via playwright-core) against the real web app: test/e2e/browser.ts.
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.e2e.test.ts"],
          globalSetup: ["./test/global-setup.ts"],
          hookTimeout: 180_000,
          testTimeout: 180_000,
        },
      },
    ],
  },
});
