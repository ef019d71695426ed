/**
 * The run service: the only writer of operation run state (DESIGN.md §2). Every write names the
 * state it expects (`where status = 'running' and attempt = $attempt`), so a late write from an
 * old attempt or after completion changes nothing, status never moves backwards and `version`
 * only grows. Jobs call it; views never write.
 * @module
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { OPERATOR_ERRORS, type OperatorErrorCode } from "../shared/operator-error.js";
import type { RunChangeSink } from "./run-events.js";
import { describeTerminalNotification } from "./run-presenter.js";
import {
  type CompositeSummary,
  compositeSummarySchema,
  type OperationRun,
  type RunFailure,
  type RunOutcome,
  type SummaryCounts,
  summaryCountsSchema,
} from "./run-record.js";
import { getRunTypeInfo, RUN_TYPES, type RunType, type WaitReason } from "./run-types.js";

/** Run types whose progress may be a composite summary (the guard of `setComposite`). */
const COMPOSITE_AWARE_TYPES = Object.values(RUN_TYPES)
  .filter((info) => info.compositeAware)
  .map((info) => info.type as string);

/** Input of {@link RunService.startRun}. */
export interface StartRunInput {
  workspaceId: string;
  tenantId: string | null;
  type: RunType;
  /** The signed-in user who asked, or null for system/CLI runs (then set `initiatorLabel`). */
  initiatorUserId: string | null;
  initiatorLabel?: string;
  /** What makes two runs the same work (DESIGN.md §2), e.g. `baseline_compare:<tenant>:<profile>`. */
  identityKey: string;
  /** Stored as `context.inputs`. */
  inputs: Record<string, unknown>;
}

/** What a run ends with. */
export interface RunCompletion {
  outcome: RunOutcome;
  /** Operator-safe result summary, stored as `context.result`. */
  result?: Record<string, unknown>;
  failure?: RunFailure;
}

/** The attempt that owns a running run; every write from a job carries it. */
export interface RunAttempt {
  runId: string;
  attempt: number;
}

/** Thrown by guarded writes when the run is no longer owned by this attempt (completed or superseded). */
export class RunSupersededError extends Error {
  override name = "RunSupersededError";
}

/** Dependencies of the run service. */
export interface RunServiceDeps {
  db: Db;
  changes: RunChangeSink;
  now: () => Date;
}

type Row = Record<string, unknown>;

const RUN_COLUMNS = sql.raw(
  "id, workspace_id, tenant_id, type, initiator_user_id, initiator_label, status, outcome, identity_key, context, summary_counts, failure, created_at, started_at, completed_at, heartbeat_at, attempt, version, worker_id, job_id, change_seq",
);
/** The stored phase of a row, when it is a string (the timeline keeps it; readers map it through the catalog). */
const PHASE_OF_ROW = sql.raw(
  "case when jsonb_typeof(context->'progress'->'phase') = 'string' then context->'progress'->>'phase' end",
);
const BUMP = sql.raw("version = version + 1, change_seq = nextval('operation_runs_change_seq_seq')");

/** Create the run service. */
export function createRunService(deps: RunServiceDeps) {
  const { db, changes, now } = deps;

  async function announce(row: Row | undefined): Promise<void> {
    if (row === undefined) return;
    changes.markChanged({
      runId: row.id as string,
      workspaceId: row.workspace_id as string,
      tenantId: (row.tenant_id as string | null) ?? null,
      version: row.version as number,
      changeSeq: Number(row.change_seq),
    });
  }

  /** Run a guarded update and return the new row, or undefined when the guard did not hold. */
  async function guardedUpdate(tx: Db, set: SQL, where: SQL): Promise<Row | undefined> {
    const result = await tx.execute(
      sql`update operation_runs set ${set}, ${BUMP} where ${where} returning ${RUN_COLUMNS}`,
    );
    return result.rows[0] as Row | undefined;
  }

  /**
   * A guarded update and its timeline event in one statement (atomic without a transaction, one
   * round trip): the hot path of every attempt.
   */
  async function guardedUpdateWithEvent(set: SQL, where: SQL): Promise<Row | undefined> {
    const result = await db.execute(sql`with updated as (
        update operation_runs set ${set}, ${BUMP} where ${where} returning ${RUN_COLUMNS}
      ), event as (
        insert into operation_run_events (run_id, version, at, status, outcome, phase, attempt)
        select id, version, ${now()}, status, outcome, ${PHASE_OF_ROW}, attempt
        from updated
        on conflict do nothing
      )
      select * from updated`);
    return result.rows[0] as Row | undefined;
  }

  return {
    /**
     * Queue a run and its graphile-worker job in one transaction: there is never a run without a
     * job or a job without a run. At most one run is active per identity key (partial unique index
     * `operation_runs_one_active_per_identity`); if one is active it is returned and no job is added.
     * @param maxAttempts - job attempts before the run ends failed
     * @returns the active run for this identity, and whether this call created it
     */
    async startRun(input: StartRunInput, maxAttempts: number): Promise<{ run: OperationRun; created: boolean }> {
      for (let round = 0; round < 5; round++) {
        const outcome = await db.transaction(async (tx) => {
          const inserted = await tx.execute(sql`insert into operation_runs
              (workspace_id, tenant_id, type, initiator_user_id, initiator_label, identity_key, context, created_at)
            values (${input.workspaceId}, ${input.tenantId}, ${input.type}, ${input.initiatorUserId},
              ${input.initiatorLabel ?? null}, ${input.identityKey},
              ${JSON.stringify({ inputs: input.inputs })}::jsonb, ${now()})
            on conflict (identity_key) where status in ('queued', 'running') do nothing
            returning ${RUN_COLUMNS}`);
          let row = inserted.rows[0] as Row | undefined;
          if (row === undefined) {
            // Lost to an active run: hand it back (ON CONFLICT waited for its transaction to commit).
            const active = await tx.execute(
              sql`select ${RUN_COLUMNS} from operation_runs where identity_key = ${input.identityKey} and status in ('queued', 'running')`,
            );
            const existing = active.rows[0] as Row | undefined;
            return existing === undefined ? undefined : { row: existing, created: false };
          }
          // The job and the timeline's first event in one statement (fewer round trips on the start path).
          const withJob = await tx.execute(sql`with updated as (
              update operation_runs set job_id = (graphile_worker.add_job(
                ${getRunTypeInfo(input.type).taskIdentifier},
                json_build_object('runId', ${row.id}::text),
                max_attempts => ${maxAttempts}::int)).id
              where id = ${row.id} returning ${RUN_COLUMNS}
            ), event as (
              insert into operation_run_events (run_id, version, at, status, outcome, phase, attempt)
              select id, version, ${now()}, status, outcome, null, attempt from updated
            )
            select * from updated`);
          row = withJob.rows[0] as Row;
          return { row, created: true };
        });
        if (outcome !== undefined) {
          if (outcome.created) await announce(outcome.row);
          return { run: toOperationRun(outcome.row), created: outcome.created };
        }
        // The conflicting run completed between our insert and select: try again.
      }
      throw new Error(`startRun(${input.identityKey}): could not insert or find the active run after 5 rounds`);
    },

    /**
     * Move a queued (or re-attempted running) run to running under a new attempt number. Writes of
     * the previous attempt are ignored from now on.
     * @returns the run as this attempt owns it, or undefined when it has already completed
     */
    async beginAttempt(runId: string, worker: { workerId: string; jobId: number }): Promise<OperationRun | undefined> {
      const at = now();
      const row = await guardedUpdateWithEvent(
        // A new attempt has entered no phase yet (and waits for nothing): its predecessor's progress
        // would describe work this attempt is not doing.
        sql`status = 'running', attempt = attempt + 1, started_at = coalesce(started_at, ${at}),
            heartbeat_at = ${at}, worker_id = ${worker.workerId}, job_id = ${worker.jobId},
            context = context - 'progress'`,
        sql`id = ${runId} and status in ('queued', 'running')`,
      );
      if (row === undefined) return undefined;
      await announce(row); // after commit: a listener must never read a state that is not visible yet
      return toOperationRun(row);
    },

    /**
     * Record the phase the job has just entered (and clear any wait reason).
     * @throws {RunSupersededError} when this attempt no longer owns the run
     */
    async setPhase(owner: RunAttempt, phase: string): Promise<void> {
      const row = await guardedUpdateWithEvent(
        sql`context = jsonb_set(context, '{progress}', ${JSON.stringify({ phase })}::jsonb), heartbeat_at = ${now()}`,
        ownedBy(owner),
      );
      if (row === undefined) {
        throw new RunSupersededError(`setPhase(${phase}): run ${owner.runId} not owned by attempt ${owner.attempt}`);
      }
      await announce(row);
    },

    /**
     * Show that the current phase is waiting (e.g. throttled) until `until`; cleared by the next setPhase.
     * @throws {RunSupersededError} when this attempt no longer owns the run
     */
    async setWaitReason(owner: RunAttempt, waitReason: WaitReason, until: Date | null): Promise<void> {
      const patch = { waitReason, ...(until ? { waitUntil: until.toISOString() } : {}) };
      const row = await guardedUpdate(
        db,
        sql`context = jsonb_set(context, '{progress}', coalesce(context->'progress', '{}'::jsonb) || ${JSON.stringify(patch)}::jsonb), heartbeat_at = ${now()}`,
        ownedBy(owner),
      );
      if (row === undefined)
        throw new RunSupersededError(`setWaitReason: run ${owner.runId} not owned by attempt ${owner.attempt}`);
      await announce(row);
    },

    /**
     * Record the composite summary of a composite-aware run (`context.progress.composite`, DESIGN.md
     * §3 "Composite summary"): counts of the underlying operation runs by outcome (and by type).
     * Other progress keys are kept. Validated with `compositeSummarySchema` (total = sum of byOutcome).
     * @throws {Error} when the run type is not composite-aware or the summary is invalid (nothing is stored)
     * @throws {RunSupersededError} when this attempt no longer owns the run
     */
    async setComposite(owner: RunAttempt, summary: CompositeSummary): Promise<void> {
      const valid = compositeSummarySchema.parse(summary);
      const row = await guardedUpdate(
        db,
        sql`context = jsonb_set(context, '{progress}', coalesce(context->'progress', '{}'::jsonb) || ${JSON.stringify({ composite: valid })}::jsonb), heartbeat_at = ${now()}`,
        sql`${ownedBy(owner)} and type in (${sql.join(
          COMPOSITE_AWARE_TYPES.map((type) => sql`${type}`),
          sql`, `,
        )})`,
      );
      if (row === undefined) {
        const stored = await db.execute(sql`select type from operation_runs where id = ${owner.runId}`);
        const type = (stored.rows[0] as { type?: string } | undefined)?.type;
        if (type !== undefined && !getRunTypeInfo(type).compositeAware)
          throw new Error(`setComposite: run ${owner.runId} of type ${type} is not composite-aware`);
        throw new RunSupersededError(`setComposite: run ${owner.runId} not owned by attempt ${owner.attempt}`);
      }
      await announce(row);
    },

    /**
     * Merge whitelisted counts into `summary_counts` (latest wins per key). Callers coalesce; see
     * jobs/run-task.ts.
     * @throws {Error} when counts hold unknown keys or non-integer values (nothing is stored)
     * @throws {RunSupersededError} when this attempt no longer owns the run
     */
    async reportCounts(owner: RunAttempt, counts: SummaryCounts): Promise<void> {
      const valid = summaryCountsSchema.parse(counts);
      const row = await guardedUpdate(
        db,
        sql`summary_counts = summary_counts || ${JSON.stringify(valid)}::jsonb, heartbeat_at = ${now()}`,
        ownedBy(owner),
      );
      if (row === undefined)
        throw new RunSupersededError(`reportCounts: run ${owner.runId} not owned by attempt ${owner.attempt}`);
      await announce(row);
    },

    /**
     * Prove the attempt is alive. Not a visible change: `version` is not bumped.
     * @returns false when this attempt no longer owns the run (the caller should stop)
     */
    async heartbeat(owner: RunAttempt): Promise<boolean> {
      const result = await db.execute(sql`update operation_runs set heartbeat_at = ${now()} where ${ownedBy(owner)}`);
      return result.rowCount === 1;
    },

    /**
     * Store the opaque resume token a retried attempt continues from (`context.resume`).
     * @throws {RunSupersededError} when this attempt no longer owns the run
     */
    async saveResume(owner: RunAttempt, token: Record<string, unknown>): Promise<void> {
      const result = await db.execute(
        sql`update operation_runs set context = jsonb_set(context, '{resume}', ${JSON.stringify(token)}::jsonb), heartbeat_at = ${now()} where ${ownedBy(owner)}`,
      );
      if (result.rowCount !== 1)
        throw new RunSupersededError(`saveResume: run ${owner.runId} not owned by attempt ${owner.attempt}`);
    },

    /**
     * Complete a running run with its outcome: the one guarded terminal transition, which also
     * stores the initiator's terminal notification exactly once.
     * @returns false when the guard did not hold (already completed, or another attempt owns it)
     */
    async completeRun(
      owner: RunAttempt | { runId: string; attempt: "any" },
      completion: RunCompletion,
    ): Promise<boolean> {
      return completeWhere(
        owner.runId,
        owner.attempt === "any"
          ? sql`id = ${owner.runId} and status in ('queued', 'running')`
          : ownedBy(owner as RunAttempt),
        completion,
      );
    },

    /**
     * Cancel a queued run at once, or ask a running one to stop at its next checkpoint
     * (`context.cancelRequested`); the job then completes it `cancelled`, keeping what it finished.
     * @returns "cancelled", "requested", or "not_active" when the run had already completed
     */
    async requestCancel(runId: string): Promise<"cancelled" | "requested" | "not_active"> {
      const cancelled = await completeWhere(runId, sql`id = ${runId} and status = 'queued'`, {
        outcome: "cancelled",
        failure: operatorFailure("cancelled", "cancelled while queued"),
      });
      if (cancelled) return "cancelled";
      const row = await guardedUpdate(
        db,
        sql`context = context || '{"cancelRequested": true}'::jsonb`,
        sql`id = ${runId} and status = 'running'`,
      );
      await announce(row);
      return row === undefined ? "not_active" : "requested";
    },
  };

  /**
   * The guarded terminal transition, its timeline event and the initiator's notification in one
   * statement (atomic, one round trip after reading the run's immutable type). The notification's
   * copy is computed before the update from what the completed run will hold.
   */
  async function completeWhere(runId: string, where: SQL, completion: RunCompletion): Promise<boolean> {
    const at = now();
    const before = await db.execute(sql`select r.type, r.started_at, t.name as tenant_name
      from operation_runs r left join tenants t on t.id = r.tenant_id where r.id = ${runId}`);
    const known = before.rows[0] as
      | { type?: string; started_at?: Date | null; tenant_name?: string | null }
      | undefined;
    const type = known?.type;
    if (type === undefined) return false;
    const result = completion.result ?? {};
    const note = describeTerminalNotification(
      {
        ...NOTIFICATION_TEMPLATE_RUN,
        id: runId,
        type,
        // A queued run being cancelled has not started; one already running has (the copy differs).
        startedAt: known?.started_at ? new Date(known.started_at) : null,
        outcome: completion.outcome,
        context: { result },
        failure: completion.failure ?? null,
      },
      { tenantName: known?.tenant_name ?? null },
    );
    const updated = await db.execute(sql`with updated as (
        update operation_runs set status = 'completed', outcome = ${completion.outcome}, completed_at = ${at},
          heartbeat_at = ${at}, worker_id = null,
          context = jsonb_set(context, '{result}', ${JSON.stringify(result)}::jsonb),
          failure = ${completion.failure ? JSON.stringify(completion.failure) : null}::jsonb,
          ${BUMP}
        where ${where} returning ${RUN_COLUMNS}
      ), event as (
        insert into operation_run_events (run_id, version, at, status, outcome, phase, attempt)
        select id, version, ${at}, status, outcome, ${PHASE_OF_ROW}, attempt from updated
        on conflict do nothing
      ), notification as (
        insert into notifications (user_id, workspace_id, run_id, title, body, url, created_at)
        select initiator_user_id, workspace_id, id, ${note.title}, ${note.body}, ${note.url}, ${at}
        from updated where initiator_user_id is not null
        on conflict (user_id, run_id) do nothing
      )
      select * from updated`);
    const row = updated.rows[0] as Row | undefined;
    await announce(row); // after commit: the statement above is its own transaction
    return row !== undefined;
  }
}

/** Fields of a completed run the presenter does not read for a notification. */
const NOTIFICATION_TEMPLATE_RUN: OperationRun = {
  id: "",
  workspaceId: "",
  tenantId: null,
  type: "",
  initiatorUserId: null,
  initiatorLabel: null,
  status: "completed",
  outcome: null,
  identityKey: "",
  context: {},
  summaryCounts: {},
  failure: null,
  createdAt: new Date(0),
  startedAt: null,
  completedAt: new Date(0),
  heartbeatAt: null,
  attempt: 0,
  version: 0,
  workerId: null,
};

/** The run service's API. */
export type RunService = ReturnType<typeof createRunService>;

function ownedBy(owner: RunAttempt): SQL {
  return sql`id = ${owner.runId} and status = 'running' and attempt = ${owner.attempt}`;
}

/** A failure with a catalog code and sentence plus internal diagnostics. */
export function operatorFailure(code: OperatorErrorCode, diagnostics: string): RunFailure {
  return { code, message: OPERATOR_ERRORS[code], diagnostics };
}

/** Map a raw `operation_runs` row (snake_case) to {@link OperationRun}. */
export function toOperationRun(row: Row): OperationRun {
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
  return {
    id: row.id as string,
    workspaceId: row.workspace_id as string,
    tenantId: (row.tenant_id as string | null) ?? null,
    type: row.type as string,
    initiatorUserId: (row.initiator_user_id as string | null) ?? null,
    initiatorLabel: (row.initiator_label as string | null) ?? null,
    status: row.status as string,
    outcome: (row.outcome as string | null) ?? null,
    identityKey: row.identity_key as string,
    context: (row.context ?? {}) as OperationRun["context"],
    summaryCounts: row.summary_counts ?? {},
    failure: (row.failure as RunFailure | null) ?? null,
    createdAt: new Date(row.created_at as string),
    startedAt: date(row.started_at),
    completedAt: date(row.completed_at),
    heartbeatAt: date(row.heartbeat_at),
    attempt: row.attempt as number,
    version: row.version as number,
    workerId: (row.worker_id as string | null) ?? null,
  };
}

/** SELECT list of every run column, for read queries that map with {@link toOperationRun}. */
export const OPERATION_RUN_COLUMNS = RUN_COLUMNS;
