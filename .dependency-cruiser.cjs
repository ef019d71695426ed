/** The dependency rule of STYLE.md §2, as code. `npm run lint` runs it. */
module.exports = {
  forbidden: [
    {
      name: "domain-not-into-entry-points",
      comment: "Domain code never imports cli/, jobs/ or web/ (STYLE.md §2).",
      severity: "error",
      from: { path: "^src/(operations|baselines|inventory|evidence|reviews|access|db|config|shared)/" },
      to: { path: "^src/(cli|jobs|web)/" },
    },
    {
      name: "pure-modules-do-no-io",
      comment: "Pure modules import no database, pg, filesystem or process code (STYLE.md §2).",
      severity: "error",
      from: {
        path: "^src/(operations/(progress-contract|status-normalizer|run-presenter|run-failure|run-types|run-record)|access/capabilities|baselines/drift/)",
        pathNot: "\\.test\\.ts$",
      },
      to: { path: "^(src/db/|node_modules/(pg|drizzle-orm|graphile-worker)/)|^(fs|node:fs|fs/promises|node:fs/promises|child_process|node:child_process)$" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: { pathNot: "\\.test\\.ts$" },
      to: { circular: true },
    },
  ],
  options: {
    // swc parses TypeScript here but not TSX; .tsx files (web views and routes, an entry-point layer
    // no rule restricts) stay in the graph as targets, so a domain import of one is still caught.
    doNotFollow: { path: ["node_modules", "\\.tsx$"] },
    tsPreCompilationDeps: true,
    parser: "swc",
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "\\.test\\.ts$" },
  },
};
