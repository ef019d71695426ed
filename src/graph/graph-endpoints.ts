/**
 * Where each policy kind lives in Microsoft Graph: the collection it is listed from, what has to
 * be read per item to get the whole policy (settings catalog `settings`, assignments), and what
 * a list request expands. Items read this way become the same raw policy objects an Intune
 * Management export holds (`@odata.type`, inlined navigation properties), so the drift engine
 * normalises both sources to identical content.
 * @module
 */
import { SETTINGS_CATALOG_KIND, toOdataType } from "../inventory/policy-kinds.js";

/** Graph API version segment. Intune's policy endpoints are read from `beta`, as Intune Management exports them. */
export type GraphApiVersion = "beta" | "v1.0";

/** A navigation property read per item (`/{id}/{name}`), batched with `$batch`. */
export interface PerItemRead {
  /** Property name the result is stored under on the policy object, e.g. `settings`. */
  property: string;
  /** Path below the item, e.g. `settings` or `assignments`. */
  path: string;
}

/** A Graph collection policies are listed from. */
export interface GraphCollectionEndpoint {
  /** Path below the version, e.g. `deviceManagement/configurationPolicies`: also the collection's key. */
  path: string;
  version: GraphApiVersion;
  /**
   * `@odata.type` of items that carry none: Graph omits it for items of the collection's own
   * (non-abstract) entity type. Absent for abstract collections, whose items always carry theirs.
   */
  defaultOdataType?: string;
  /** `$expand` of the list request: small navigation properties read with the page. */
  expand?: string;
  /** Navigation properties read per item with `$batch` (assignments are added when managed). */
  perItem: readonly PerItemRead[];
  /** Policy kinds served by this collection that TenantPilot knows by name. */
  knownKinds: readonly string[];
  /** Microsoft Graph documentation of the list request. */
  docs: string;
}

const ASSIGNMENTS: PerItemRead = { property: "assignments", path: "assignments" };

/**
 * The collections read, keyed by path. Every kind maps to exactly one (see {@link toCollectionPath});
 * app protection policies are read from their platform collections (which carry every platform
 * property) rather than the abstract `deviceAppManagement/managedAppPolicies`.
 */
export const GRAPH_COLLECTION_ENDPOINTS = {
  /** @see https://learn.microsoft.com/graph/api/intune-deviceconfigv2-devicemanagementconfigurationpolicy-list?view=graph-rest-beta */
  "deviceManagement/configurationPolicies": {
    path: "deviceManagement/configurationPolicies",
    version: "beta",
    defaultOdataType: toOdataType(SETTINGS_CATALOG_KIND),
    // Settings are not returned by a list: one request per policy, the place $batch pays off.
    // @see https://learn.microsoft.com/graph/api/intune-deviceconfigv2-devicemanagementconfigurationsetting-list?view=graph-rest-beta
    perItem: [{ property: "settings", path: "settings" }],
    knownKinds: [SETTINGS_CATALOG_KIND],
    docs: "https://learn.microsoft.com/graph/api/intune-deviceconfigv2-devicemanagementconfigurationpolicy-list?view=graph-rest-beta",
  },
  /** @see https://learn.microsoft.com/graph/api/intune-deviceconfig-devicecompliancepolicy-list?view=graph-rest-beta */
  "deviceManagement/deviceCompliancePolicies": {
    path: "deviceManagement/deviceCompliancePolicies",
    version: "beta",
    // The actions for noncompliance are part of a compliance policy (Intune Management exports them).
    // @see https://learn.microsoft.com/graph/api/intune-deviceconfig-devicecompliancescheduledactionforrule-list?view=graph-rest-beta
    expand: "scheduledActionsForRule($expand=scheduledActionConfigurations)",
    perItem: [],
    knownKinds: ["windows10CompliancePolicy", "macOSCompliancePolicy"],
    docs: "https://learn.microsoft.com/graph/api/intune-deviceconfig-devicecompliancepolicy-list?view=graph-rest-beta",
  },
  /** @see https://learn.microsoft.com/graph/api/intune-deviceconfig-deviceconfiguration-list?view=graph-rest-beta */
  "deviceManagement/deviceConfigurations": {
    path: "deviceManagement/deviceConfigurations",
    version: "beta",
    perItem: [],
    knownKinds: ["windowsHealthMonitoringConfiguration", "windowsUpdateForBusinessConfiguration"],
    docs: "https://learn.microsoft.com/graph/api/intune-deviceconfig-deviceconfiguration-list?view=graph-rest-beta",
  },
  /** @see https://learn.microsoft.com/graph/api/intune-softwareupdate-windowsdriverupdateprofile-list?view=graph-rest-beta */
  "deviceManagement/windowsDriverUpdateProfiles": {
    path: "deviceManagement/windowsDriverUpdateProfiles",
    version: "beta",
    defaultOdataType: toOdataType("windowsDriverUpdateProfile"),
    perItem: [],
    knownKinds: ["windowsDriverUpdateProfile"],
    docs: "https://learn.microsoft.com/graph/api/intune-softwareupdate-windowsdriverupdateprofile-list?view=graph-rest-beta",
  },
  /** @see https://learn.microsoft.com/graph/api/intune-softwareupdate-windowsfeatureupdateprofile-list?view=graph-rest-beta */
  "deviceManagement/windowsFeatureUpdateProfiles": {
    path: "deviceManagement/windowsFeatureUpdateProfiles",
    version: "beta",
    defaultOdataType: toOdataType("windowsFeatureUpdateProfile"),
    perItem: [],
    knownKinds: ["windowsFeatureUpdateProfile"],
    docs: "https://learn.microsoft.com/graph/api/intune-softwareupdate-windowsfeatureupdateprofile-list?view=graph-rest-beta",
  },
  /** @see https://learn.microsoft.com/graph/api/intune-softwareupdate-windowsqualityupdateprofile-list?view=graph-rest-beta */
  "deviceManagement/windowsQualityUpdateProfiles": {
    path: "deviceManagement/windowsQualityUpdateProfiles",
    version: "beta",
    defaultOdataType: toOdataType("windowsQualityUpdateProfile"),
    perItem: [],
    knownKinds: ["windowsQualityUpdateProfile"],
    docs: "https://learn.microsoft.com/graph/api/intune-softwareupdate-windowsqualityupdateprofile-list?view=graph-rest-beta",
  },
  /** @see https://learn.microsoft.com/graph/api/intune-mam-iosmanagedappprotection-list?view=graph-rest-beta */
  "deviceAppManagement/iosManagedAppProtections": {
    path: "deviceAppManagement/iosManagedAppProtections",
    version: "beta",
    defaultOdataType: toOdataType("iosManagedAppProtection"),
    // The protected apps are part of the policy. @see https://learn.microsoft.com/graph/api/intune-mam-managedmobileapp-list?view=graph-rest-beta
    expand: "apps",
    perItem: [],
    knownKinds: ["iosManagedAppProtection"],
    docs: "https://learn.microsoft.com/graph/api/intune-mam-iosmanagedappprotection-list?view=graph-rest-beta",
  },
  /** @see https://learn.microsoft.com/graph/api/intune-mam-androidmanagedappprotection-list?view=graph-rest-beta */
  "deviceAppManagement/androidManagedAppProtections": {
    path: "deviceAppManagement/androidManagedAppProtections",
    version: "beta",
    defaultOdataType: toOdataType("androidManagedAppProtection"),
    expand: "apps",
    perItem: [],
    knownKinds: ["androidManagedAppProtection"],
    docs: "https://learn.microsoft.com/graph/api/intune-mam-androidmanagedappprotection-list?view=graph-rest-beta",
  },
  /** @see https://learn.microsoft.com/graph/api/intune-mam-windowsmanagedappprotection-list?view=graph-rest-beta */
  "deviceAppManagement/windowsManagedAppProtections": {
    path: "deviceAppManagement/windowsManagedAppProtections",
    version: "beta",
    defaultOdataType: toOdataType("windowsManagedAppProtection"),
    expand: "apps",
    perItem: [],
    knownKinds: ["windowsManagedAppProtection"],
    docs: "https://learn.microsoft.com/graph/api/intune-mam-windowsmanagedappprotection-list?view=graph-rest-beta",
  },
} as const satisfies Record<string, GraphCollectionEndpoint>;

/** One collection key. */
export type GraphCollectionPath = keyof typeof GRAPH_COLLECTION_ENDPOINTS;

/** Every collection, in a fixed order (settings catalog first: it is the largest). */
export const GRAPH_COLLECTION_PATHS = Object.keys(GRAPH_COLLECTION_ENDPOINTS) as GraphCollectionPath[];

/**
 * The collection a policy kind is listed from. Kinds outside the catalog are placed by Graph's type
 * hierarchy: every `deviceCompliancePolicy` subtype ends in `CompliancePolicy`, every other device
 * profile (update rings included) is a `deviceConfiguration` subtype.
 */
export function toCollectionPath(kind: string): GraphCollectionPath {
  for (const path of GRAPH_COLLECTION_PATHS) {
    if ((GRAPH_COLLECTION_ENDPOINTS[path].knownKinds as readonly string[]).includes(kind)) return path;
  }
  return kind.endsWith("CompliancePolicy")
    ? "deviceManagement/deviceCompliancePolicies"
    : "deviceManagement/deviceConfigurations";
}

/** One collection to read, with the kinds of the profile's scope it serves. */
export interface CollectionRead {
  endpoint: GraphCollectionEndpoint;
  /** In-scope kinds this collection serves; with an empty scope, its known kinds. */
  kinds: string[];
  /** Per-item reads, assignments included when the profile manages them. */
  perItem: readonly PerItemRead[];
}

/**
 * The collections to read for a profile's scope: those serving an in-scope kind, or all of them
 * for an empty scope (every kind).
 * @param policyKinds - kinds in scope (`@odata.type` without prefix); empty = all
 * @param manageAssignments - read `/{id}/assignments` per item
 */
export function toCollectionReads(policyKinds: readonly string[], manageAssignments: boolean): CollectionRead[] {
  const byPath = new Map<GraphCollectionPath, string[]>();
  if (policyKinds.length === 0) {
    for (const path of GRAPH_COLLECTION_PATHS) byPath.set(path, [...GRAPH_COLLECTION_ENDPOINTS[path].knownKinds]);
  } else {
    for (const kind of policyKinds) {
      const path = toCollectionPath(kind);
      byPath.set(path, [...(byPath.get(path) ?? []), kind]);
    }
  }
  return GRAPH_COLLECTION_PATHS.filter((path) => byPath.has(path)).map((path) => {
    const endpoint: GraphCollectionEndpoint = GRAPH_COLLECTION_ENDPOINTS[path];
    return {
      endpoint,
      kinds: byPath.get(path) ?? [],
      perItem: manageAssignments ? [...endpoint.perItem, ASSIGNMENTS] : endpoint.perItem,
    };
  });
}

/** The first-page path of a collection read: `/{version}/{path}?$expand=…&$count=true`. */
export function toFirstPagePath(endpoint: GraphCollectionEndpoint): string {
  const query = [...(endpoint.expand ? [`$expand=${endpoint.expand}`] : []), "$count=true"];
  return `/${endpoint.version}/${endpoint.path}?${query.join("&")}`;
}
