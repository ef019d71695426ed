// TenantPilot live client (DESIGN.md §7, docs/ui-standards.md §6). One EventSource per browser: the
// tab holding the "tenantpilot-sse" Web Lock opens /events and rebroadcasts every event over a
// BroadcastChannel; other tabs listen there, and when the leader closes another tab takes the lock.
// Events replace [data-run-id] entries, never go back to an older version, and completed runs leave.
// No polling: updates arrive only from the stream (and one fetch per run-enqueued event).

const NAME = "tenantpilot-sse";
const RECENT_EVENTS = 200;
const NOTIFIED_KEY = "tenantpilot-notified";

const channel = "BroadcastChannel" in window ? new BroadcastChannel(NAME) : undefined;
/** Highest version applied or seen per run, so older frames are dropped and removed runs stay removed. */
const versions = new Map();
/** Leader only: recent events, replayed to tabs that join. */
const recent = [];
let cursor = Number(document.body.dataset.eventCursor ?? "") || 0;
/** The cursor this page was rendered at (0: unknown); the bell's server count includes every change up to it. */
const PAGE_CURSOR = cursor;
let isLeader = false;
let status = "connecting";

function setStatus(next) {
  status = next;
  document.body.dataset.sse = next;
}

function fragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content.firstElementChild;
}

/** Activity entries only: detail pages and list rows also carry data-run-id and are never live-edited. */
function runSelector(runId) {
  return `[data-activity] [data-run-id="${CSS.escape(runId)}"]`;
}

function containersFor(data) {
  return [...document.querySelectorAll("[data-activity]")].filter(
    (area) =>
      area.dataset.workspaceId === data.workspaceId &&
      (area.dataset.tenantId === undefined || area.dataset.tenantId === data.tenantId),
  );
}

function listIn(area, data) {
  if (area.dataset.tenantId !== undefined) return area.querySelector(".run-list");
  const groups = area.querySelector(".run-groups");
  const existing = [...groups.querySelectorAll(".activity-group")].find((group) => group.dataset.group === data.group);
  if (existing) return existing.querySelector(".run-list");
  const group = document.createElement("div");
  group.className = "activity-group";
  group.dataset.group = data.group;
  const heading = document.createElement("h4");
  heading.className = "group-label";
  heading.textContent = data.groupLabel;
  const list = document.createElement("div");
  list.className = "run-list";
  group.append(heading, list);
  groups.append(group);
  return list;
}

function tidy() {
  for (const group of document.querySelectorAll(".activity-group")) {
    if (!group.querySelector("[data-run-id]")) group.remove();
  }
  for (const area of document.querySelectorAll("[data-activity]")) {
    const empty = area.querySelector(".activity-empty");
    if (empty) empty.hidden = area.querySelector("[data-run-id]") !== null;
  }
}

/** One more unread notification in the bell (the server rendered the count this page started with). */
function bumpBell() {
  const bell = document.querySelector("[data-bell]");
  const count = bell?.querySelector("[data-bell-count]");
  if (!bell || !count) return;
  const unread = (Number(bell.dataset.unreadCount) || 0) + 1;
  bell.dataset.unreadCount = String(unread);
  bell.setAttribute("aria-label", `Notifications, ${unread} unread`);
  count.textContent = String(unread);
  count.hidden = false;
}

/** Show a finished run's notification; `live` frames (newer than this page's cursor) also bump the bell. */
function notify(notification, runId, live) {
  const region = document.querySelector("[data-notices]");
  if (!region) return;
  let notified = [];
  try {
    notified = JSON.parse(sessionStorage.getItem(NOTIFIED_KEY) ?? "[]");
  } catch {
    notified = [];
  }
  if (notified.includes(runId)) return; // a replay of a completion this tab already announced
  sessionStorage.setItem(NOTIFIED_KEY, JSON.stringify([...notified, runId].slice(-100)));
  // A completion from before this page was drawn is already counted in the bell and listed on
  // /notifications: only a completion that happens while the page is open pops up.
  if (!live) return;
  bumpBell();
  const notice = document.createElement("div");
  notice.className = "notice";
  notice.dataset.noticeRunId = runId;
  const title = document.createElement("strong");
  title.textContent = notification.title;
  const body = document.createElement("p");
  body.textContent = notification.body;
  const link = document.createElement("a");
  link.href = notification.url;
  link.textContent = "View operation →";
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Dismiss";
  close.addEventListener("click", () => notice.remove());
  notice.append(title, body, link, " ", close);
  region.append(notice);
}

/**
 * Apply one run event: `{ runId, version, workspaceId, tenantId, html, group, groupLabel }` or `{ …, completed: true }`.
 * `live`: the frame carries a change cursor, so it is newer than what this page rendered (replayed overlap frames carry none).
 */
/**
 * A run's detail page shows its full state: when that run changes, re-read the page and swap the
 * article in place (at most once a second, the latest state wins).
 */
let detailRefresh;
function refreshDetail(data) {
  const detail = document.querySelector(`.run-detail[data-run-id="${CSS.escape(data.runId)}"]`);
  if (!detail || Number(detail.dataset.version || 0) >= data.version || detailRefresh) return;
  detailRefresh = setTimeout(async () => {
    try {
      const response = await fetch(location.href, { headers: { accept: "text/html" } });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector(`.run-detail[data-run-id="${CSS.escape(data.runId)}"]`);
      const current = document.querySelector(`.run-detail[data-run-id="${CSS.escape(data.runId)}"]`);
      if (fresh && current && Number(fresh.dataset.version || 0) > Number(current.dataset.version || 0)) {
        current.replaceWith(document.importNode(fresh, true));
      }
    } catch {
      // offline for a moment: the next event tries again
    } finally {
      detailRefresh = undefined;
    }
  }, 1_000);
}

/**
 * A run finished while this page was open: send `run-completed` (detail: runId, version,
 * workspaceId, tenantId) to each element that shows what runs produce and asked for it with
 * `data-refresh-on-complete` — in the run's workspace and, if the element names one, its tenant.
 * Such an element re-reads itself with htmx (`hx-trigger="run-completed"`), e.g. the Reviews list
 * when a compose has made a review ready: one request per completion, never a poll.
 */
function announceCompleted(data) {
  for (const target of document.querySelectorAll("[data-refresh-on-complete]")) {
    if (target.dataset.workspaceId !== data.workspaceId) continue;
    if (target.dataset.tenantId !== undefined && target.dataset.tenantId !== data.tenantId) continue;
    const detail = { runId: data.runId, version: data.version, workspaceId: data.workspaceId, tenantId: data.tenantId };
    target.dispatchEvent(new CustomEvent("run-completed", { detail }));
  }
}

function applyRun(data, live = false) {
  if (data && typeof data.runId === "string" && Number.isInteger(data.version)) refreshDetail(data);
  if (!data || typeof data.runId !== "string" || !Number.isInteger(data.version)) return;
  const entries = [...document.querySelectorAll(runSelector(data.runId))];
  let known = versions.get(data.runId) ?? 0;
  for (const entry of entries) known = Math.max(known, Number(entry.dataset.version) || 0);
  if (data.version <= known) return; // progress never moves backwards on screen
  versions.set(data.runId, data.version);
  if (data.completed) {
    for (const entry of entries) entry.remove();
    if (data.notification) notify(data.notification, data.runId, live);
    // A completion from before the page was drawn is already in it; only a newer one changes what it shows.
    if (live) announceCompleted(data);
  } else if (typeof data.html === "string") {
    if (entries.length > 0) {
      for (const entry of entries) entry.replaceWith(fragment(data.html));
    } else {
      for (const area of containersFor(data)) listIn(area, data)?.append(fragment(data.html));
    }
  }
  tidy();
}

function handle(message) {
  if (message.type === "status") {
    setStatus(message.status);
  } else if (message.type === "run") {
    if (message.id) cursor = Math.max(cursor, Number(message.id) || 0);
    try {
      // A completion newer than the page (or, without a page cursor, not a leader's replay) is not in the bell yet.
      const live = Boolean(message.id) && (PAGE_CURSOR > 0 ? Number(message.id) > PAGE_CURSOR : !message.replay);
      applyRun(JSON.parse(message.data), live);
    } catch {
      // a malformed frame changes nothing
    }
  } else if (message.type === "hello" && isLeader) {
    channel?.postMessage({ type: "status", status });
    for (const event of recent) if (Number(event.id) > message.since) channel?.postMessage({ ...event, replay: true });
  }
}

function lead() {
  isLeader = true;
  return new Promise(() => {
    // Held until this tab closes: then the lock passes to another tab, which reconnects from its cursor.
    const source = new EventSource(cursor > 0 ? `/events?since=${cursor}` : "/events");
    const broadcast = (message) => {
      handle(message);
      channel?.postMessage(message);
    };
    const reportStatus = () =>
      broadcast({
        type: "status",
        status:
          source.readyState === EventSource.OPEN
            ? "open"
            : source.readyState === EventSource.CLOSED
              ? "closed"
              : "connecting",
      });
    source.addEventListener("open", reportStatus);
    source.addEventListener("ready", reportStatus);
    source.addEventListener("error", reportStatus);
    source.addEventListener("run", (event) => {
      const message = { type: "run", id: event.lastEventId, data: event.data };
      recent.push(message);
      if (recent.length > RECENT_EVENTS) recent.shift();
      broadcast(message);
    });
  });
}

document.addEventListener("run-enqueued", async (event) => {
  const detail = event.detail?.value ?? event.detail ?? {};
  if (typeof detail.html === "string") {
    applyRun(detail);
    return;
  }
  const runId = detail.runId ?? detail.id;
  if (typeof runId !== "string") return;
  const response = await fetch(`/activity/runs/${encodeURIComponent(runId)}`, {
    headers: { accept: "application/json" },
  });
  if (response.ok) applyRun(await response.json());
});

setStatus("connecting");
if (channel) channel.addEventListener("message", (event) => handle(event.data));
if (navigator.locks && channel) {
  channel.postMessage({ type: "hello", since: cursor });
  navigator.locks.request(NAME, lead);
} else {
  lead(); // no Web Locks or BroadcastChannel: this tab keeps its own stream
}
