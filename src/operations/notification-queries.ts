/**
 * Terminal notifications (DESIGN.md §4) as the bell and the notifications page read them, and the
 * operator's own "mark as read" writes. The run service stores them (once per run, for its
 * initiator); this module never creates one. Only notifications of workspaces the user is still a
 * member of are listed or counted. Every function is one query and scoped to `userId`.
 * @module
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.js";

/** A notification as the list shows it. */
export interface NotificationItem {
  id: string;
  runId: string;
  workspaceId: string;
  workspaceName: string;
  title: string;
  body: string;
  createdAt: Date;
  readAt: Date | null;
}

/** Notifications a list page shows at most. (Default: 100) */
export const NOTIFICATION_LIST_LIMIT = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const MEMBER_OF = sql`exists (select 1 from memberships m where m.workspace_id = n.workspace_id and m.user_id = n.user_id)`;

/** The user's notifications across their workspaces, newest first. One query. */
export async function listNotifications(
  db: Db,
  userId: string,
  limit: number = NOTIFICATION_LIST_LIMIT,
): Promise<NotificationItem[]> {
  if (!UUID.test(userId)) return [];
  const result = await db.execute(sql`select n.id, n.run_id, n.workspace_id, w.name as workspace_name, n.title, n.body,
      n.created_at, n.read_at
    from notifications n join workspaces w on w.id = n.workspace_id
    where n.user_id = ${userId} and ${MEMBER_OF}
    order by n.created_at desc, n.id desc
    limit ${limit}`);
  return result.rows.map((raw) => {
    const row = raw as Record<string, unknown>;
    return {
      id: String(row.id),
      runId: String(row.run_id),
      workspaceId: String(row.workspace_id),
      workspaceName: String(row.workspace_name),
      title: String(row.title),
      body: String(row.body),
      createdAt: new Date(row.created_at as string | Date),
      readAt: row.read_at === null ? null : new Date(row.read_at as string | Date),
    };
  });
}

/** How many of the user's notifications are unread (the bell). One query. */
export async function countUnreadNotifications(db: Db, userId: string): Promise<number> {
  if (!UUID.test(userId)) return 0;
  const result = await db.execute(
    sql`select count(*)::int as unread from notifications n where n.user_id = ${userId} and n.read_at is null and ${MEMBER_OF}`,
  );
  return Number((result.rows[0] as { unread?: unknown } | undefined)?.unread ?? 0);
}

/**
 * Mark one of the user's notifications read (idempotent: the first read time is kept). One query.
 * @returns false when the user has no notification with that id (someone else's, unknown or malformed)
 */
export async function markNotificationRead(
  db: Db,
  userId: string,
  notificationId: string,
  now: Date,
): Promise<boolean> {
  if (!UUID.test(userId) || !UUID.test(notificationId)) return false;
  const result = await db.execute(sql`update notifications n set read_at = coalesce(n.read_at, ${now})
    where n.id = ${notificationId} and n.user_id = ${userId} and ${MEMBER_OF}`);
  return result.rowCount === 1;
}

/** Mark every unread notification of the user read. One query. @returns how many were unread */
export async function markAllNotificationsRead(db: Db, userId: string, now: Date): Promise<number> {
  if (!UUID.test(userId)) return 0;
  const result = await db.execute(
    sql`update notifications n set read_at = ${now} where n.user_id = ${userId} and n.read_at is null and ${MEMBER_OF}`,
  );
  return result.rowCount ?? 0;
}
