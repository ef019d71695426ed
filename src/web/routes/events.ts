/**
 * Live updates (DESIGN.md §7): `GET /events`, the one SSE stream per browser, and
 * `GET /activity/runs/:runId`, one run's event data for the shell's `run-enqueued` listener.
 * Both follow the access policy: a stream carries only runs of workspaces where the operator has
 * operations.view, so a member of workspace A never receives anything about workspace B.
 * @module
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { getVisibleRun, listWorkspaceAccess } from "../../access/access-policy.js";
import { listFeedRunsByIds, listFeedRunsChangedSince } from "../../operations/run-feed-queries.js";
import { OperatorError } from "../../shared/operator-error.js";
import { requireOperator } from "../require-operator.js";
import { type RunEvent, toRunEvent, toRunEventData } from "../run-event.js";
import type { RunEventHub } from "../run-event-hub.js";
import type { AppEnv, WebDeps } from "../web-env.js";

/**
 * How far below a reconnecting client's cursor the replay starts. A change cursor is drawn when a
 * write starts and becomes visible at commit, so a lower cursor can commit after a higher one was
 * sent; the overlap re-reads it. Clients drop versions they already show.
 */
const REPLAY_OVERLAP = 1_000;

/** Reconnect delay the stream asks browsers for, ms. */
const RETRY_MS = 3_000;

/** A change cursor from `Last-Event-ID` or `?since=`; anything else means "no cursor". */
function parseCursor(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/** Routes `/events` and `/activity/runs/:runId`. `hub` is absent when no listener runs (replay only). */
export function eventsRoutes(deps: WebDeps, hub: RunEventHub | undefined) {
  return new Hono<AppEnv>()
    .get("/events", async (c) => {
      const operator = requireOperator(c.var.operator);
      const workspaces = await listWorkspaceAccess(deps.db, operator.userId);
      const visible = workspaces.filter((workspace) => workspace.can("operations.view"));
      if (visible.length === 0) {
        throw new OperatorError(
          workspaces.length === 0 ? "not_found" : "forbidden",
          `user ${operator.userId} may view operations in no workspace`,
        );
      }
      const access = new Map(workspaces.map((workspace) => [workspace.workspaceId, workspace]));
      const cursor = parseCursor(c.req.header("last-event-id") ?? c.req.query("since"));
      return streamSSE(
        c,
        async (stream) => {
          const send = (event: RunEvent, withId = true) => {
            stream
              .writeSSE({
                event: "run",
                data: toRunEventData(event, operator.userId),
                ...(withId ? { id: event.id } : {}),
              })
              .catch(() => undefined); // the client went away: onAbort ends this stream
          };
          const remove = hub?.add({ userId: operator.userId, access, send: (event) => send(event) });
          try {
            await stream.writeSSE({ event: "ready", data: "{}", retry: RETRY_MS });
            if (cursor !== undefined) {
              const changed = await listFeedRunsChangedSince(
                deps.db,
                visible.map((workspace) => workspace.workspaceId),
                Math.max(0, cursor - REPLAY_OVERLAP),
              );
              const now = deps.now();
              for (const feedRun of changed) {
                // Overlap frames carry no id, so the browser's cursor never moves backwards.
                send(await toRunEvent(feedRun, { now, staleAfterMs: deps.staleAfterMs }), feedRun.changeSeq > cursor);
              }
            }
            if (!stream.aborted) {
              await new Promise<void>((resolve) => stream.onAbort(resolve)); // STACK.md G24
            }
          } finally {
            remove?.();
          }
        },
        async (error) => {
          deps.logger.error({ err: error }, "live event stream failed");
        },
      );
    })
    .get("/activity/runs/:runId", async (c) => {
      const operator = requireOperator(c.var.operator);
      const { run } = await getVisibleRun(deps.db, operator.userId, c.req.param("runId"));
      const [feedRun] = await listFeedRunsByIds(deps.db, [run.id]);
      if (feedRun === undefined) throw new OperatorError("not_found", `run ${run.id} disappeared`);
      const event = await toRunEvent(feedRun, { now: deps.now(), staleAfterMs: deps.staleAfterMs });
      return c.body(toRunEventData(event, operator.userId), 200, {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
      });
    });
}
