/**
 * The simulator's directory: which Graph collection each served policy lives in, its stable id,
 * and its navigation properties (`settings`, `assignments`, …) split off the entity the way Graph
 * serves them. Built from an Intune Management export folder or from policy objects.
 * @module
 */
import { createHash } from "node:crypto";
import { readExportFolder } from "../../inventory/export-folder-source.js";
import { toPolicyKind } from "../../inventory/policy-kinds.js";

/** Where a tenant's policies come from. */
export type SimulatedPolicySource =
  /** An export folder in the Intune Management layout (e.g. a `../shared/corpus` tenant). */
  | { exportFolder: string }
  /** Graph policy objects, each with an `@odata.type`; `file` only names them in summaries. */
  | { objects: readonly Record<string, unknown>[] };

/** Graph API version segment. */
export type GraphVersion = "v1.0" | "beta";

/** A Graph collection the simulator serves policies from. */
export interface GraphCollectionInfo {
  /** Path below the version, e.g. `deviceManagement/configurationPolicies`. */
  path: string;
  /** Versions that have this collection; others answer 400 "Resource not found for the segment". */
  versions: readonly GraphVersion[];
  /** Application permissions that allow reading it (any one suffices). */
  readPermissions: readonly string[];
}

const DEVICE_CONFIGURATION_READ = [
  "DeviceManagementConfiguration.Read.All",
  "DeviceManagementConfiguration.ReadWrite.All",
];
const DEVICE_APPS_READ = ["DeviceManagementApps.Read.All", "DeviceManagementApps.ReadWrite.All"];
const BOTH: readonly GraphVersion[] = ["v1.0", "beta"];
const BETA: readonly GraphVersion[] = ["beta"];

/**
 * The policy collections served, keyed by path below the version.
 * @see https://learn.microsoft.com/graph/api/intune-deviceconfigv2-devicemanagementconfigurationpolicy-list?view=graph-rest-beta
 * @see https://learn.microsoft.com/graph/api/intune-deviceconfig-deviceconfiguration-list
 * @see https://learn.microsoft.com/graph/api/intune-deviceconfig-devicecompliancepolicy-list
 * @see https://learn.microsoft.com/graph/api/intune-softwareupdate-windowsdriverupdateprofile-list?view=graph-rest-beta
 * @see https://learn.microsoft.com/graph/api/intune-mam-iosmanagedappprotection-list
 */
export const GRAPH_COLLECTIONS = {
  "deviceManagement/configurationPolicies": {
    path: "deviceManagement/configurationPolicies",
    versions: BETA,
    readPermissions: DEVICE_CONFIGURATION_READ,
  },
  "deviceManagement/deviceConfigurations": {
    path: "deviceManagement/deviceConfigurations",
    versions: BOTH,
    readPermissions: DEVICE_CONFIGURATION_READ,
  },
  "deviceManagement/deviceCompliancePolicies": {
    path: "deviceManagement/deviceCompliancePolicies",
    versions: BOTH,
    readPermissions: DEVICE_CONFIGURATION_READ,
  },
  "deviceManagement/windowsDriverUpdateProfiles": {
    path: "deviceManagement/windowsDriverUpdateProfiles",
    versions: BETA,
    readPermissions: DEVICE_CONFIGURATION_READ,
  },
  "deviceManagement/windowsFeatureUpdateProfiles": {
    path: "deviceManagement/windowsFeatureUpdateProfiles",
    versions: BETA,
    readPermissions: DEVICE_CONFIGURATION_READ,
  },
  "deviceManagement/windowsQualityUpdateProfiles": {
    path: "deviceManagement/windowsQualityUpdateProfiles",
    versions: BETA,
    readPermissions: DEVICE_CONFIGURATION_READ,
  },
  "deviceAppManagement/managedAppPolicies": {
    path: "deviceAppManagement/managedAppPolicies",
    versions: BOTH,
    readPermissions: DEVICE_APPS_READ,
  },
  "deviceAppManagement/iosManagedAppProtections": {
    path: "deviceAppManagement/iosManagedAppProtections",
    versions: BOTH,
    readPermissions: DEVICE_APPS_READ,
  },
  "deviceAppManagement/androidManagedAppProtections": {
    path: "deviceAppManagement/androidManagedAppProtections",
    versions: BOTH,
    readPermissions: DEVICE_APPS_READ,
  },
  "deviceAppManagement/windowsManagedAppProtections": {
    path: "deviceAppManagement/windowsManagedAppProtections",
    versions: BETA,
    readPermissions: DEVICE_APPS_READ,
  },
} as const satisfies Record<string, GraphCollectionInfo>;

/** One of {@link GRAPH_COLLECTIONS}' keys. */
export type GraphCollectionPath = keyof typeof GRAPH_COLLECTIONS;

/**
 * Navigation properties Graph never returns inline on a list or get: they are read from
 * `/{id}/{name}` or with `$expand={name}`. Export tools inline them; the simulator splits them off.
 */
export const NAVIGATION_PROPERTIES = ["settings", "assignments", "scheduledActionsForRule", "apps"] as const;

/** A navigation property name. */
export type NavigationProperty = (typeof NAVIGATION_PROPERTIES)[number];

/** One policy as the simulator serves it. */
export interface ServedPolicy {
  /** Graph id: the export's `id` when present and unique, else a GUID derived from the file path. */
  id: string;
  /** Policy kind (`@odata.type` without `#microsoft.graph.`). */
  kind: string;
  /** The collections that list it: its own, plus `managedAppPolicies` for app protection. */
  collections: GraphCollectionPath[];
  /** The entity as a list or get returns it: no navigation properties, no per-entity OData control info. */
  entity: Record<string, unknown>;
  /** Navigation property values (empty array when the export had none). */
  navigation: Record<NavigationProperty, Record<string, unknown>[]>;
  /** Where it came from: the export file (relative path) or `objects[<index>]`. */
  file: string;
  /** `name` (settings catalog) or `displayName`. */
  displayName: string;
}

/** A file of an export folder the simulator could not serve, and why. */
export interface SkippedExportFile {
  file: string;
  reason: string;
}

/** A tenant's served policies and, by collection, the ids in list order. */
export interface SimulatedPolicies {
  policies: ServedPolicy[];
  byId: Map<string, ServedPolicy>;
  byCollection: Map<GraphCollectionPath, ServedPolicy[]>;
  skipped: SkippedExportFile[];
}

/** Which collection serves a policy kind (its own one; see {@link ServedPolicy.collections}). */
export function toCollectionForKind(kind: string): GraphCollectionPath {
  switch (kind) {
    case "deviceManagementConfigurationPolicy":
      return "deviceManagement/configurationPolicies";
    case "windowsDriverUpdateProfile":
      return "deviceManagement/windowsDriverUpdateProfiles";
    case "windowsFeatureUpdateProfile":
      return "deviceManagement/windowsFeatureUpdateProfiles";
    case "windowsQualityUpdateProfile":
      return "deviceManagement/windowsQualityUpdateProfiles";
    case "iosManagedAppProtection":
      return "deviceAppManagement/iosManagedAppProtections";
    case "androidManagedAppProtection":
      return "deviceAppManagement/androidManagedAppProtections";
    case "windowsManagedAppProtection":
      return "deviceAppManagement/windowsManagedAppProtections";
    default:
      // Every deviceCompliancePolicy subtype ends so (windows10CompliancePolicy, macOSCompliancePolicy, …);
      // every other device profile is a deviceConfiguration subtype (update rings included).
      return kind.endsWith("CompliancePolicy")
        ? "deviceManagement/deviceCompliancePolicies"
        : "deviceManagement/deviceConfigurations";
  }
}

/** Control information an export carries per entity that a Graph list or get does not. */
const ENTITY_CONTROL_KEYS = new Set(["@odata.context", "@odata.id", "@odata.editLink", "@odata.etag"]);

/**
 * Load a tenant's policies from a source. Unreadable export files are skipped (a server cannot
 * serve a broken object) and listed in `skipped`.
 * @throws {OperatorError} `evidence_source_unreachable` – the export folder cannot be read
 */
export async function loadSimulatedPolicies(source: SimulatedPolicySource): Promise<SimulatedPolicies> {
  const raws: { file: string; raw: Record<string, unknown> }[] = [];
  const skipped: SkippedExportFile[] = [];
  if ("exportFolder" in source) {
    for await (const entry of readExportFolder(source.exportFolder)) {
      if (entry.result.ok) {
        raws.push({ file: entry.file, raw: entry.result.raw });
      } else {
        skipped.push({ file: entry.file, reason: entry.result.reason });
      }
    }
  } else {
    source.objects.forEach((raw, index) => {
      raws.push({ file: `objects[${index}]`, raw });
    });
  }
  return toSimulatedPolicies(raws, skipped);
}

/** Build the directory from raw policy objects (pure). Objects without `@odata.type` are skipped. */
export function toSimulatedPolicies(
  raws: readonly { file: string; raw: Record<string, unknown> }[],
  skipped: SkippedExportFile[] = [],
): SimulatedPolicies {
  const policies: ServedPolicy[] = [];
  const byId = new Map<string, ServedPolicy>();
  const byCollection = new Map<GraphCollectionPath, ServedPolicy[]>();
  for (const { file, raw } of raws) {
    const odataType = raw["@odata.type"];
    if (typeof odataType !== "string" || odataType.trim() === "") {
      skipped.push({ file, reason: "not_policy" });
      continue;
    }
    const kind = toPolicyKind(odataType);
    const exportId = typeof raw["id"] === "string" && raw["id"].trim() !== "" ? raw["id"] : undefined;
    // Two files of one tenant may carry the same id (a copied export); Graph ids are unique, so the
    // second one gets a derived id rather than shadowing the first.
    const id = exportId !== undefined && !byId.has(exportId) ? exportId : toDerivedGuid(file);
    const policy = toServedPolicy(raw, { id, kind, file });
    policies.push(policy);
    byId.set(id, policy);
    for (const collection of policy.collections) {
      const list = byCollection.get(collection) ?? [];
      list.push(policy);
      byCollection.set(collection, list);
    }
  }
  return { policies, byId, byCollection, skipped };
}

function toServedPolicy(
  raw: Record<string, unknown>,
  { id, kind, file }: { id: string; kind: string; file: string },
): ServedPolicy {
  const entity: Record<string, unknown> = {};
  const navigation = Object.fromEntries(NAVIGATION_PROPERTIES.map((name) => [name, []])) as unknown as Record<
    NavigationProperty,
    Record<string, unknown>[]
  >;
  for (const [key, value] of Object.entries(raw)) {
    if (ENTITY_CONTROL_KEYS.has(key)) continue;
    const navName = NAVIGATION_PROPERTIES.find((name) => key === name || key.startsWith(`${name}@odata.`));
    if (navName !== undefined) {
      if (key === navName && Array.isArray(value)) {
        navigation[navName] = value.filter(isRecord).map((item, index) => toNavigationItem(item, id, navName, index));
      }
      continue;
    }
    entity[key] = value;
  }
  entity["id"] = id;
  const own = toCollectionForKind(kind);
  const collections: GraphCollectionPath[] = own.startsWith("deviceAppManagement/")
    ? [own, "deviceAppManagement/managedAppPolicies"]
    : [own];
  const name = typeof raw["name"] === "string" ? raw["name"] : raw["displayName"];
  return { id, kind, collections, entity, navigation, file, displayName: typeof name === "string" ? name : id };
}

/** Sub-resource items get Graph's ids when the export lacks them (settings are "0", "1", …). */
function toNavigationItem(
  item: Record<string, unknown>,
  policyId: string,
  navName: NavigationProperty,
  index: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (!ENTITY_CONTROL_KEYS.has(key)) out[key] = value;
  }
  if (typeof out["id"] !== "string") {
    out["id"] = navName === "settings" ? String(index) : `${policyId}_${navName}_${index}`;
  }
  return out;
}

/** A deterministic GUID (v5-shaped) from a string: the same file always gets the same id. */
export function toDerivedGuid(seed: string): string {
  const hex = createHash("sha256").update(`tenantpilot-graph-simulator:${seed}`).digest("hex");
  const variant = ((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
