/**
 * The simulator's Graph resources: list, get and navigation reads of the policy collections and
 * `/organization`, with Graph's paging (`$top`, `$skiptoken`, absolute `@odata.nextLink`),
 * `$count`, `$select` and `$expand`, Graph's permission checks and error bodies. Pure: the server
 * resolves the token and tenant first and writes the answer afterwards.
 * @module
 */
import type { AccessTokenGrant } from "./simulator-identity.js";
import {
  GRAPH_COLLECTIONS,
  type GraphCollectionPath,
  type GraphVersion,
  type NavigationProperty,
  type ServedPolicy,
  type SimulatedPolicies,
} from "./simulator-tenants.js";

/** An answer to one Graph request (top-level or `$batch` item). */
export interface GraphAnswer {
  status: number;
  headers: Record<string, string>;
  /** JSON body (object), or `undefined` for none. */
  body: unknown;
}

/** Request ids a Graph error body echoes in `innerError`. */
export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

/** One Graph read to answer. */
export interface GraphReadInput {
  method: string;
  version: GraphVersion;
  /** Path below the version, without leading slash or query: `deviceManagement/configurationPolicies`. */
  resourcePath: string;
  query: URLSearchParams;
  grant: AccessTokenGrant;
  tenant: { tenantId: string; displayName: string; policies: SimulatedPolicies };
  /** Origin used in `@odata.context` and `@odata.nextLink`, e.g. `https://127.0.0.1:4321`. */
  linkBase: string;
  /** Page size without `$top`. */
  pageSize: number;
  /** Largest `$top` honoured; larger values are clamped (and paged). */
  maxPageSize: number;
  ids: RequestIds;
  now: Date;
}

/** Navigation properties each collection has (others answer 400 like Graph's OData router). */
const NAVIGATION_BY_COLLECTION: Record<GraphCollectionPath, readonly NavigationProperty[]> = {
  "deviceManagement/configurationPolicies": ["settings", "assignments"],
  "deviceManagement/deviceConfigurations": ["assignments"],
  "deviceManagement/deviceCompliancePolicies": ["assignments", "scheduledActionsForRule"],
  "deviceManagement/windowsDriverUpdateProfiles": ["assignments"],
  "deviceManagement/windowsFeatureUpdateProfiles": ["assignments"],
  "deviceManagement/windowsQualityUpdateProfiles": ["assignments"],
  "deviceAppManagement/managedAppPolicies": [],
  "deviceAppManagement/iosManagedAppProtections": ["assignments", "apps"],
  "deviceAppManagement/androidManagedAppProtections": ["assignments", "apps"],
  "deviceAppManagement/windowsManagedAppProtections": ["assignments", "apps"],
};

/** Permissions that allow `GET /organization`. */
const ORGANIZATION_READ = [
  "Organization.Read.All",
  "Organization.ReadWrite.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
];

const JSON_CONTENT_TYPE =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/** A Graph error answer: `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`. */
export function toGraphError(
  status: number,
  code: string,
  message: string,
  ids: RequestIds,
  now: Date,
  headers: Record<string, string> = {},
): GraphAnswer {
  return {
    status,
    headers: { "Content-Type": "application/json", ...headers },
    body: {
      error: {
        code,
        message,
        innerError: {
          date: now.toISOString().replace(/\.\d+Z$/, ""),
          "request-id": ids.requestId,
          "client-request-id": ids.clientRequestId,
        },
      },
    },
  };
}

/** The error code and message Graph uses for a status the simulator injects. */
export function toInjectedError(
  status: 429 | 500 | 502 | 503 | 504,
  retryAfterSeconds: number | undefined,
  ids: RequestIds,
  now: Date,
): GraphAnswer {
  const headers: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { "Retry-After": String(retryAfterSeconds) };
  const [code, message] =
    status === 429
      ? ["TooManyRequests", "Too many requests, retry later."]
      : status === 503
        ? ["ServiceUnavailable", "The service is temporarily unavailable. Please retry later."]
        : status === 504
          ? ["GatewayTimeout", "The gateway did not receive a timely response."]
          : status === 502
            ? ["BadGateway", "The gateway received an invalid response."]
            : ["InternalServerError", "An internal server error occurred."];
  return toGraphError(status, code, message, ids, now, headers);
}

/** Answer a Graph read (GET). */
export function answerGraphRead(input: GraphReadInput): GraphAnswer {
  const { ids, now } = input;
  const segments = splitSegments(input.resourcePath);
  const [first] = segments;
  if (first === undefined) {
    return toGraphError(400, "BadRequest", "Invalid request.", ids, now);
  }
  if (input.method !== "GET") {
    return toGraphError(
      405,
      "Request_BadRequest",
      `Method '${input.method}' is not allowed on this resource.`,
      ids,
      now,
    );
  }
  if (first.name === "organization" && segments.length === 1) {
    return answerOrganization(input);
  }
  const second = segments[1];
  const collectionPath = `${first.name}/${second?.name ?? ""}`;
  if (!isCollectionPath(collectionPath) || first.key !== undefined) {
    return notFoundSegment(second?.name ?? first.name, ids, now, first.name);
  }
  const collection = GRAPH_COLLECTIONS[collectionPath];
  if (!(collection.versions as readonly string[]).includes(input.version)) {
    return notFoundSegment(second?.name ?? "", ids, now);
  }
  if (!collection.readPermissions.some((p) => input.grant.permissions.has(p))) {
    return toGraphError(
      403,
      "Forbidden",
      `Application is not authorized to perform this operation. Application must have one of the following scopes: ${collection.readPermissions.join(", ")} - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - Activity ID: ${ids.requestId} - Url: https://fef.msua06.manage.microsoft.com/${collectionPath}`,
      ids,
      now,
    );
  }
  const policies = input.tenant.policies.byCollection.get(collectionPath) ?? [];
  const idSegment = second?.key !== undefined ? { name: second.key } : segments[2];
  const navSegment = second?.key !== undefined ? segments[2] : segments[3];
  const extra = second?.key !== undefined ? segments.length > 3 : segments.length > 4;
  if (idSegment === undefined) {
    return answerList(input, collectionPath, policies);
  }
  const policy = policies.find((p) => p.id.toLowerCase() === idSegment.name.toLowerCase());
  if (policy === undefined) {
    return toGraphError(
      404,
      "ResourceNotFound",
      `{"_version": 3, "Message": "An error has occurred - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - Activity ID: ${ids.requestId} - Url: https://fef.msua06.manage.microsoft.com/${collectionPath}('${idSegment.name}')", "CustomApiErrorPhrase": "", "RetryAfter": null, "ErrorSourceService": "", "HttpHeaders": "{}"}`,
      ids,
      now,
    );
  }
  if (navSegment === undefined) {
    return answerEntity(input, collectionPath, policy);
  }
  const navigation = NAVIGATION_BY_COLLECTION[collectionPath];
  const nav = navigation.find((name) => name === navSegment.name);
  if (nav === undefined || extra || navSegment.key !== undefined) {
    return notFoundSegment(navSegment.name, ids, now);
  }
  return answerNavigation(input, collectionPath, policy, nav);
}

function answerOrganization(input: GraphReadInput): GraphAnswer {
  const { ids, now } = input;
  if (!ORGANIZATION_READ.some((p) => input.grant.permissions.has(p))) {
    return toGraphError(
      403,
      "Authorization_RequestDenied",
      "Insufficient privileges to complete the operation.",
      ids,
      now,
    );
  }
  const org = {
    id: input.tenant.tenantId,
    displayName: input.tenant.displayName,
    tenantType: "AAD",
    verifiedDomains: [
      {
        capabilities: "Email, OfficeCommunicationsOnline",
        isDefault: true,
        isInitial: true,
        name: `${input.tenant.tenantId.slice(0, 8)}.onmicrosoft.com`,
        type: "Managed",
      },
    ],
  };
  return ok({ "@odata.context": `${input.linkBase}/${input.version}/$metadata#organization`, value: [org] });
}

function answerList(input: GraphReadInput, collectionPath: GraphCollectionPath, policies: ServedPolicy[]): GraphAnswer {
  const expand = parseExpand(input.query, NAVIGATION_BY_COLLECTION[collectionPath]);
  if ("error" in expand) {
    return toGraphError(400, "BadRequest", expand.error, input.ids, input.now);
  }
  const select = parseSelect(input.query);
  const expandSuffix = expand.names.length > 0 ? `(${expand.names.map((n) => `${n}()`).join(",")})` : "";
  const context = `${input.linkBase}/${input.version}/$metadata#${collectionPath}${expandSuffix}`;
  const items = policies.map((policy) => toEntityView(policy, select, expand.names));
  return page(input, context, `${input.version}/${collectionPath}`, items);
}

function answerEntity(input: GraphReadInput, collectionPath: GraphCollectionPath, policy: ServedPolicy): GraphAnswer {
  const expand = parseExpand(input.query, NAVIGATION_BY_COLLECTION[collectionPath]);
  if ("error" in expand) {
    return toGraphError(400, "BadRequest", expand.error, input.ids, input.now);
  }
  const expandSuffix = expand.names.length > 0 ? `(${expand.names.map((n) => `${n}()`).join(",")})` : "";
  return ok({
    "@odata.context": `${input.linkBase}/${input.version}/$metadata#${collectionPath}${expandSuffix}/$entity`,
    ...toEntityView(policy, parseSelect(input.query), expand.names),
  });
}

function answerNavigation(
  input: GraphReadInput,
  collectionPath: GraphCollectionPath,
  policy: ServedPolicy,
  nav: NavigationProperty,
): GraphAnswer {
  const context = `${input.linkBase}/${input.version}/$metadata#${collectionPath}('${policy.id}')/${nav}`;
  return page(input, context, `${input.version}/${collectionPath}/${policy.id}/${nav}`, policy.navigation[nav]);
}

/** One page of a collection, with `@odata.nextLink` carrying every query option but `$skiptoken`. */
function page(input: GraphReadInput, context: string, path: string, items: readonly unknown[]): GraphAnswer {
  const { ids, now, query } = input;
  const top = readQuery(query, "$top");
  let size = input.pageSize;
  if (top !== undefined) {
    const parsed = Number(top);
    if (!Number.isInteger(parsed) || parsed < 0) {
      return toGraphError(400, "BadRequest", `Invalid value '${top}' for $top query option found.`, ids, now);
    }
    size = Math.min(parsed, input.maxPageSize);
  }
  const skipToken = readQuery(query, "$skiptoken");
  let offset = 0;
  if (skipToken !== undefined) {
    const decoded = fromSkipToken(skipToken);
    if (decoded === undefined) {
      return toGraphError(400, "BadRequest", "The $skiptoken value is invalid or has expired.", ids, now);
    }
    offset = decoded;
  }
  const body: Record<string, unknown> = { "@odata.context": context };
  if (readQuery(query, "$count")?.toLowerCase() === "true") {
    body["@odata.count"] = items.length;
  }
  const end = Math.min(items.length, offset + size);
  // `$top=0` returns an empty page without a nextLink, as Graph does.
  if (end < items.length && size > 0) {
    const next = new URLSearchParams();
    for (const [key, value] of query) {
      if (key.toLowerCase() !== "$skiptoken") next.append(key, value);
    }
    next.append("$skiptoken", toSkipToken(end));
    body["@odata.nextLink"] = `${input.linkBase}/${path}?${toQueryString(next)}`;
  }
  body["value"] = items.slice(offset, end);
  return ok(body);
}

/** Graph clients expect `$` and `,` unescaped in OData query options. */
function toQueryString(params: URLSearchParams): string {
  return params.toString().replaceAll("%24", "$").replaceAll("%2C", ",");
}

function toEntityView(
  policy: ServedPolicy,
  select: ReadonlySet<string> | undefined,
  expand: readonly NavigationProperty[],
): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(policy.entity)) {
    const baseKey = key.split("@")[0] ?? key;
    if (select === undefined || key === "@odata.type" || key === "id" || select.has(baseKey)) view[key] = value;
  }
  for (const nav of expand) {
    view[nav] = policy.navigation[nav];
  }
  return view;
}

function parseSelect(query: URLSearchParams): ReadonlySet<string> | undefined {
  const select = readQuery(query, "$select");
  if (select === undefined || select.trim() === "") return undefined;
  return new Set(select.split(",").map((s) => s.trim()));
}

function parseExpand(
  query: URLSearchParams,
  allowed: readonly NavigationProperty[],
): { names: NavigationProperty[] } | { error: string } {
  const expand = readQuery(query, "$expand");
  if (expand === undefined || expand.trim() === "") return { names: [] };
  const names: NavigationProperty[] = [];
  for (const part of splitTopLevel(expand)) {
    const name = part.split("(")[0]?.trim() ?? "";
    if (name === "*") {
      names.push(...allowed.filter((n) => !names.includes(n)));
      continue;
    }
    const nav = allowed.find((n) => n === name);
    if (nav === undefined) {
      return { error: `Could not find a property named '${name}' on type 'microsoft.graph.entity'.` };
    }
    if (!names.includes(nav)) names.push(nav);
  }
  return { names };
}

/** Split `a,b($select=x,y),c` on commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth += 1;
    if (char === ")") depth -= 1;
    if (char === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.filter((p) => p.trim() !== "");
}

/** Query option by name, case-insensitively (`$skipToken` from the SDK, `$skiptoken` from Graph). */
function readQuery(query: URLSearchParams, name: string): string | undefined {
  for (const [key, value] of query) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

/** An opaque-looking skip token holding the next offset. */
export function toSkipToken(offset: number): string {
  return Buffer.from(`RFNwdA:${offset}`, "utf8").toString("base64url");
}

function fromSkipToken(token: string): number | undefined {
  const match = /^RFNwdA:(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Path segments, with OData key syntax `collection('id')` split into name and key. */
function splitSegments(resourcePath: string): { name: string; key?: string }[] {
  return resourcePath
    .split("/")
    .filter((s) => s !== "")
    .map((segment) => {
      const decoded = safeDecode(segment);
      const keyed = /^([^(]+)\('?([^')]*)'?\)$/.exec(decoded);
      return keyed?.[1] !== undefined && keyed[2] !== undefined ? { name: keyed[1], key: keyed[2] } : { name: decoded };
    });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function isCollectionPath(path: string): path is GraphCollectionPath {
  return Object.hasOwn(GRAPH_COLLECTIONS, path);
}

function notFoundSegment(segment: string, ids: RequestIds, now: Date, fallback?: string): GraphAnswer {
  return toGraphError(
    400,
    "BadRequest",
    `Resource not found for the segment '${segment || fallback || ""}'.`,
    ids,
    now,
  );
}

function ok(body: Record<string, unknown>): GraphAnswer {
  return { status: 200, headers: { "Content-Type": JSON_CONTENT_TYPE }, body };
}
