/** Task `tenant_review_compose`: compose a tenant review from its period's evidence snapshot (DESIGN.md §3 "Composite summary"). */
import type { Task } from "graphile-worker";
import { runReviewCompose } from "../../reviews/review-compose.js";
import { defineRunTask, type RunTaskDeps } from "../run-task.js";

export const tenantReviewComposeTask = (deps: RunTaskDeps): Task =>
  defineRunTask(deps, (ctx) =>
    runReviewCompose(
      {
        ...ctx,
        setComposite: async (summary) => {
          await ctx.checkpoint();
          await deps.runs.setComposite(ctx.owner, summary);
        },
      },
      deps.now,
    ),
  );
