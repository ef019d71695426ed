/**
 * Generator of realistic, original sample tenants for the built-in demo and for tests
 * (DESIGN.md §9: the project ships its own generator and never the corpus).
 *
 * The generator produces Graph-shaped policy objects as the Intune Management export tool writes
 * them: settings catalog policies, Windows and macOS compliance policies, device configurations,
 * update rings and app protection policies, each carrying the metadata noise of a real export
 * (`@odata.*` keys, navigation links, `#microsoft.graph.*` action objects whose targets embed the
 * policy id, ids, timestamps, versions). Tenant copies of a baseline get fresh noise plus an exact,
 * countable amount of deliberate drift, so the drift engine (DESIGN.md §5) can be checked against
 * known numbers. Everything is deterministic for a seed; nothing reads the clock or `Math.random`.
 * @module
 */

import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** A JSON primitive. */
export type JsonPrimitive = string | number | boolean | null;

/** Any JSON value. */
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * One generated policy: a Graph JSON object exactly as it is written to an export file. It always
 * has `@odata.type`, and `name` (settings catalog) or `displayName` (every other kind).
 */
export type SamplePolicy = JsonObject;

/** Deliberate, countable drift to apply to a tenant copy of a baseline. All counts default to 0. */
export interface DriftPlan {
  /**
   * Settings catalog leaf values to change (choice values without children and integer values,
   * never inside group collections and never secrets). Each is exactly one `setting_changed`.
   */
  changedSettings?: number;
  /** Baseline policies to leave out of the tenant: each is one `missing_policy`. */
  removedPolicies?: number;
  /** Tenant-only policies to add (names and settings unlike any baseline policy): each is one `unexpected_policy`. */
  addedPolicies?: number;
  /**
   * Policies whose trailing version suffix is bumped (`- v1.2` → `- v1.3`) with identical content.
   * Matched by exact name, each is a `missing_policy` + `unexpected_policy` pair linked as a probable
   * rename; with the version suffix ignored, each is one `property_changed` on the name.
   */
  renamedVersionBumps?: number;
  /**
   * Shuffle settings catalog settings, choice children, group-collection instances, simple
   * collection values and OMA settings. Reordering is not drift.
   */
  reorderSettings?: boolean;
}

/** The drift a tenant copy really carries, as counts the drift engine must reproduce. */
export interface ExpectedDrift {
  /** Number of changed settings catalog leaf values (`setting_changed` findings). */
  changedSettings: number;
  /** Number of baseline policies absent from the tenant (not counting renames). */
  removedPolicies: number;
  /** Number of tenant-only policies (not counting renames). */
  addedPolicies: number;
  /** Number of version-suffix renames with otherwise identical content. */
  renamedVersionBumps: number;
}

/** One changed setting of a tenant copy. */
export interface ChangedSettingRecord {
  /** The settings catalog policy name (same in baseline and tenant). */
  policyName: string;
  /** `settingDefinitionId`s from the top-level setting down to the changed one, joined by `/`. */
  settingPath: string;
  /** The baseline value. */
  from: string | number;
  /** The tenant value. */
  to: string | number;
}

/** What exactly was changed in a tenant copy (the detail behind {@link ExpectedDrift}). */
export interface DriftChangeLog {
  /** Changed settings, in the order they were applied. */
  changedSettings: ChangedSettingRecord[];
  /** Names of the baseline policies left out. */
  removedPolicies: string[];
  /** Names of the tenant-only policies added. */
  addedPolicies: string[];
  /** Version-suffix renames. */
  renamedVersionBumps: { from: string; to: string }[];
}

/** A generated tenant: its policies, the drift counts it carries and the detail of that drift. */
export interface SampleTenant {
  /** The tenant's policies, as written to its export folder. */
  policies: SamplePolicy[];
  /** Drift counts relative to the baseline. */
  expected: ExpectedDrift;
  /** The detail of every deliberate change. */
  changes: DriftChangeLog;
}

/** Options of {@link generateSampleTenant}. */
export interface SampleTenantOptions {
  /** Seed of this tenant's noise and drift choices. */
  seed: number;
  /** Drift to apply; `{}` gives a tenant that differs from the baseline only in noise. */
  drift: DriftPlan;
}

/** File encodings {@link writeExportFolder} can produce. */
export type ExportEncoding = "utf8" | "utf8bom" | "utf16le" | "mixed";

/** JSON text styles {@link writeExportFolder} can produce. */
export type ExportJsonStyle = "powershell" | "plain" | "mixed";

/** Options of {@link writeExportFolder}. */
export interface WriteExportOptions {
  /**
   * `utf16le` (default; UTF-16LE with BOM and CRLF, like a Windows PowerShell export or a checkout of
   * such files), `utf8` (no BOM, LF), `utf8bom` (BOM, CRLF) or `mixed` (cycles utf16le, utf8, utf8bom
   * file by file).
   */
  encoding?: ExportEncoding;
  /**
   * `powershell` (default; Windows PowerShell 5.1 `ConvertTo-Json` layout), `plain` (2-space
   * `JSON.stringify`) or `mixed` (alternates).
   */
  jsonStyle?: ExportJsonStyle;
  /** Extra unreadable `.json` files to write (truncated, mojibake, not a policy object). Default 0. */
  malformedFiles?: number;
}

/** What {@link writeExportFolder} wrote. */
export interface WrittenExport {
  /** Policy files, relative to the export folder, with `/` separators, in write order. */
  policyFiles: string[];
  /** Deliberately unreadable files, relative to the export folder. */
  malformedFiles: string[];
}

/** One tenant of the demo set written by {@link createDemoTenants}. */
export interface DemoTenant {
  /** Folder name under the demo root, e.g. `northwind`. */
  name: string;
  /** Operator-facing tenant name, e.g. `Northwind Traders`. */
  displayName: string;
  /** Deterministic Microsoft Entra tenant id (GUID) for the demo tenant record. */
  tenantId: string;
  /** `baseline_source` for the tenant the baseline is captured from, `customer` otherwise. */
  role: "baseline_source" | "customer";
  /** Absolute path of the tenant's export folder. */
  dir: string;
  /** Drift relative to the baseline source (all zero for the source itself). */
  expected: ExpectedDrift;
  /** The detail of that drift. */
  changes: DriftChangeLog;
  /** Number of readable policy files written. */
  policyCount: number;
  /** Number of deliberately unreadable files written. */
  malformedFiles: number;
  /** Encoding used for the folder. */
  encoding: ExportEncoding;
}

/** Result of {@link createDemoTenants}. */
export interface DemoTenantSet {
  /** The baseline source first, then the customer tenants. */
  tenants: DemoTenant[];
}

/** Seed used by {@link createDemoTenants} when none is given. */
export const DEFAULT_DEMO_SEED = 20240829;

// ---------------------------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------------------------

/** A small deterministic random source (mulberry32). */
export interface SeededRandom {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** `true` with probability `p`. */
  chance(p: number): boolean;
  /** A random version-4 GUID, lower case. */
  guid(): string;
  /** `length` random lower-case hex digits. */
  hex(length: number): string;
}

/**
 * Creates a deterministic random source from a 32-bit seed (mulberry32).
 * @param seed - any number; only its low 32 bits matter
 */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const hex = (length: number): string => {
    let out = "";
    for (let i = 0; i < length; i++) out += Math.floor(next() * 16).toString(16);
    return out;
  };
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError("pick() needs a non-empty array");
      return items[int(0, items.length - 1)] as T;
    },
    shuffle<T>(items: readonly T[]): T[] {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        const a = out[i] as T;
        out[i] = out[j] as T;
        out[j] = a;
      }
      return out;
    },
    chance: (p: number): boolean => next() < p,
    guid(): string {
      const variant = "89ab"[int(0, 3)] ?? "8";
      return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
    },
    hex,
  };
}

/** FNV-1a based, seed-independent GUID for constants such as template ids. */
function stableGuid(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return createSeededRandom(h).guid();
}

// ---------------------------------------------------------------------------------------------
// Graph vocabulary
// ---------------------------------------------------------------------------------------------

const GRAPH = "https://graph.microsoft.com/beta";
const NS = "#microsoft.graph.";

const T = {
  configurationPolicy: `${NS}deviceManagementConfigurationPolicy`,
  windowsCompliance: `${NS}windows10CompliancePolicy`,
  macCompliance: `${NS}macOSCompliancePolicy`,
  customConfiguration: `${NS}windows10CustomConfiguration`,
  healthMonitoring: `${NS}windowsHealthMonitoringConfiguration`,
  updateRing: `${NS}windowsUpdateForBusinessConfiguration`,
  iosProtection: `${NS}iosManagedAppProtection`,
  androidProtection: `${NS}androidManagedAppProtection`,
} as const;

const SC = `${NS}deviceManagementConfiguration`;

/** `prop@odata.type` hints Intune Management exports put before these properties. */
const TYPE_HINTS: Readonly<Record<string, string>> = {
  createdDateTime: "#DateTimeOffset",
  lastModifiedDateTime: "#DateTimeOffset",
  platforms: `${SC}Platforms`,
  technologies: `${SC}Technologies`,
  roleScopeTagIds: "#Collection(String)",
  passwordRequiredType: `${NS}requiredPasswordType`,
  deviceThreatProtectionRequiredSecurityLevel: `${NS}deviceThreatProtectionLevel`,
  advancedThreatProtectionRequiredSecurityLevel: `${NS}deviceThreatProtectionLevel`,
  gatekeeperAllowedAppSource: `${NS}macOSGatekeeperAppSources`,
  validOperatingSystemBuildRanges: `#Collection(${NS.slice(1)}operatingSystemVersionRange)`,
  actionType: `${NS}deviceComplianceActionType`,
  notificationMessageCCList: "#Collection(String)",
  omaSettings: `#Collection(${NS.slice(1)}omaSetting)`,
  allowDeviceHealthMonitoring: `${NS}enablement`,
  configDeviceHealthMonitoringScope: `${NS}windowsHealthMonitoringScope`,
  deliveryOptimizationMode: `${NS}windowsDeliveryOptimizationMode`,
  prereleaseFeatures: `${NS}prereleaseFeatures`,
  automaticUpdateMode: `${NS}automaticUpdateMode`,
  qualityUpdatesPauseExpiryDateTime: "#DateTimeOffset",
  featureUpdatesPauseExpiryDateTime: "#DateTimeOffset",
  qualityUpdatesRollbackStartDateTime: "#DateTimeOffset",
  featureUpdatesRollbackStartDateTime: "#DateTimeOffset",
  businessReadyUpdatesOnly: `${NS}windowsUpdateType`,
  autoRestartNotificationDismissal: `${NS}autoRestartNotificationDismissalMethod`,
  userPauseAccess: `${NS}enablement`,
  userWindowsUpdateScanAccess: `${NS}enablement`,
  updateNotificationLevel: `${NS}windowsUpdateNotificationDisplayOption`,
  periodOfflineBeforeAccessCheck: "#Duration",
  periodOnlineBeforeAccessCheck: "#Duration",
  periodOfflineBeforeWipeIsEnforced: "#Duration",
  periodBeforePinReset: "#Duration",
  pinRequiredInsteadOfBiometricTimeout: "#Duration",
  allowedInboundDataTransferSources: `${NS}managedAppDataTransferLevel`,
  allowedOutboundDataTransferDestinations: `${NS}managedAppDataTransferLevel`,
  allowedOutboundClipboardSharingLevel: `${NS}managedAppClipboardSharingLevel`,
  pinCharacterSet: `${NS}managedAppPinCharacterSet`,
  allowedDataStorageLocations: `#Collection(${NS.slice(1)}managedAppDataStorageLocation)`,
  appActionIfDeviceComplianceRequired: `${NS}managedAppRemediationAction`,
  appActionIfMaximumPinRetriesExceeded: `${NS}managedAppRemediationAction`,
  notificationRestriction: `${NS}managedAppNotificationRestriction`,
  managedBrowser: `${NS}managedBrowserType`,
  appDataEncryptionType: `${NS}managedAppDataEncryptionType`,
  targetedAppManagementLevels: `${NS}appManagementLevel`,
  appGroupType: `${NS}targetedManagedAppGroupType`,
  managedUniversalLinks: "#Collection(String)",
  exemptedUniversalLinks: "#Collection(String)",
};

/** Keys the export tool or the service adds; removed before drift is applied and re-created after. */
const TOP_LEVEL_NOISE = new Set([
  "createdDateTime",
  "lastModifiedDateTime",
  "settingCount",
  "isAssigned",
  "deployedAppCount",
  "supportsScopeTags",
]);

// ---------------------------------------------------------------------------------------------
// Settings catalog builder DSL
// ---------------------------------------------------------------------------------------------

type SettingNode =
  | { kind: "choice"; id: string; value: string; children: SettingNode[] }
  | { kind: "int"; id: string; value: number }
  | { kind: "str"; id: string; value: string }
  | { kind: "secret"; id: string }
  | { kind: "strs"; id: string; values: string[] }
  | { kind: "choices"; id: string; values: string[] }
  | { kind: "group"; id: string; instances: SettingNode[][] };

const choice = (id: string, option: string, children: SettingNode[] = []): SettingNode => ({
  kind: "choice",
  id,
  value: `${id}_${option}`,
  children,
});
const int = (id: string, value: number): SettingNode => ({ kind: "int", id, value });
const str = (id: string, value: string): SettingNode => ({ kind: "str", id, value });
const secret = (id: string): SettingNode => ({ kind: "secret", id });
const strs = (id: string, values: string[]): SettingNode => ({ kind: "strs", id, values });
const choices = (id: string, options: string[]): SettingNode => ({
  kind: "choices",
  id,
  values: options.map((o) => `${id}_${o}`),
});
const group = (id: string, instances: SettingNode[][]): SettingNode => ({ kind: "group", id, instances });

interface TemplateInfo {
  templateId: string;
  templateFamily: string;
  templateDisplayName: string;
  templateDisplayVersion: string;
}

function instanceJson(node: SettingNode, template: TemplateInfo | null, topLevel: boolean): JsonObject {
  const templated = template !== null && topLevel;
  const instanceRef: JsonValue = templated
    ? {
        "@odata.type": `${SC}SettingInstanceTemplateReference`,
        settingInstanceTemplateId: stableGuid(`instance:${node.id}`),
      }
    : null;
  const valueRef = (v: string): JsonValue =>
    templated
      ? {
          "@odata.type": `${SC}SettingValueTemplateReference`,
          settingValueTemplateId: stableGuid(`value:${v}`),
          useTemplateDefault: false,
        }
      : null;
  const head = (type: string): JsonObject => ({
    "@odata.type": `${SC}${type}`,
    settingDefinitionId: node.id,
    settingInstanceTemplateReference: instanceRef,
  });
  switch (node.kind) {
    case "choice":
      return {
        ...head("ChoiceSettingInstance"),
        choiceSettingValue: {
          "@odata.type": `${SC}ChoiceSettingValue`,
          settingValueTemplateReference: valueRef(node.id),
          value: node.value,
          children: node.children.map((c) => instanceJson(c, template, false)),
        },
      };
    case "int":
      return {
        ...head("SimpleSettingInstance"),
        simpleSettingValue: {
          "@odata.type": `${SC}IntegerSettingValue`,
          settingValueTemplateReference: valueRef(node.id),
          value: node.value,
        },
      };
    case "str":
      return {
        ...head("SimpleSettingInstance"),
        simpleSettingValue: {
          "@odata.type": `${SC}StringSettingValue`,
          settingValueTemplateReference: valueRef(node.id),
          value: node.value,
        },
      };
    case "secret":
      return {
        ...head("SimpleSettingInstance"),
        simpleSettingValue: {
          "@odata.type": `${SC}SecretSettingValue`,
          settingValueTemplateReference: null,
          // Replaced by a fresh per-tenant token when the policy is decorated.
          value: "",
          valueState: "encryptedValueToken",
        },
      };
    case "strs":
      return {
        ...head("SimpleSettingCollectionInstance"),
        simpleSettingCollectionValue: node.values.map((v) => ({
          "@odata.type": `${SC}StringSettingValue`,
          settingValueTemplateReference: null,
          value: v,
        })),
      };
    case "choices":
      return {
        ...head("ChoiceSettingCollectionInstance"),
        choiceSettingCollectionValue: node.values.map((v) => ({
          "@odata.type": `${SC}ChoiceSettingValue`,
          settingValueTemplateReference: null,
          value: v,
          children: [],
        })),
      };
    case "group":
      return {
        ...head("GroupSettingCollectionInstance"),
        groupSettingCollectionValue: node.instances.map((children) => ({
          "@odata.type": `${SC}GroupSettingValue`,
          settingValueTemplateReference: null,
          children: children.map((c) => instanceJson(c, template, false)),
        })),
      };
  }
}

interface CatalogSpec {
  name: string;
  description: string;
  platforms: "windows10" | "macOS";
  technologies: string;
  template: TemplateInfo | null;
  settings: SettingNode[];
}

/** Builds the content (noise-free) form of a settings catalog policy. */
function catalogContent(spec: CatalogSpec): JsonObject {
  const templateReference: JsonObject = spec.template
    ? { "@odata.type": `${SC}PolicyTemplateReference`, ...spec.template }
    : {
        "@odata.type": `${SC}PolicyTemplateReference`,
        templateId: "",
        templateFamily: "none",
        templateDisplayName: null,
        templateDisplayVersion: null,
      };
  return {
    "@odata.type": T.configurationPolicy,
    creationSource: null,
    description: spec.description,
    name: spec.name,
    platforms: spec.platforms,
    priorityMetaData: null,
    roleScopeTagIds: ["0"],
    technologies: spec.technologies,
    templateReference,
    settings: spec.settings.map((s) => ({
      "@odata.type": `${SC}Setting`,
      settingInstance: instanceJson(s, spec.template, true),
    })),
  };
}

const esTemplate = (family: string, displayName: string, key: string): TemplateInfo => ({
  templateId: `${stableGuid(`template:${key}`)}_1`,
  templateFamily: family,
  templateDisplayName: displayName,
  templateDisplayVersion: "Version 1",
});

// ---------------------------------------------------------------------------------------------
// Baseline content
// ---------------------------------------------------------------------------------------------

const DEF = "device_vendor_msft_policy_config_";
const DEFENDER = `${DEF}defender_`;
const ASR = `${DEFENDER}attacksurfacereductionrules`;
const FW = "vendor_msft_firewall_mdmstore_";
const FW_RULE = `${FW}firewallrules_{firewallrulename}`;
const BITLOCKER = "device_vendor_msft_bitlocker_";
const LAPS = "device_vendor_msft_laps_policies_";
const WHFB = "device_vendor_msft_passportforwork_{tenantid}_policies_";
const LUG = `${DEF}localusersandgroups_configure`;
const EDGE = `${DEF}microsoft_edge~policy~microsoft_edge`;
const ONEDRIVE = `${DEF}onedrivengscv2~policy~onedrivengsc_`;

const WIN_MDM = { platforms: "windows10", technologies: "mdm" } as const;
const WIN_SENSE = { platforms: "windows10", technologies: "mdm,microsoftSense" } as const;
const MAC = { platforms: "macOS", technologies: "mdm,appleRemoteManagement" } as const;

function firewallRule(name: string, direction: "in" | "out", protocol: number, ports: string[]): SettingNode[] {
  return [
    str(`${FW_RULE}_name`, name),
    choice(`${FW_RULE}_direction`, direction),
    choice(`${FW_RULE}_action_type`, "1"),
    int(`${FW_RULE}_protocol`, protocol),
    strs(`${FW_RULE}_localportranges`, ports),
    choice(`${FW_RULE}_enabled`, "1"),
  ];
}

function windowsCatalog(rng: SeededRandom): CatalogSpec[] {
  return [
    {
      name: "Contoso - Win - Defender Antivirus - D - Core - v1.2",
      description: "Core Microsoft Defender Antivirus protection for all corporate Windows devices.",
      ...WIN_SENSE,
      template: esTemplate("endpointSecurityAntivirus", "Microsoft Defender Antivirus", "av"),
      settings: [
        choice(`${DEFENDER}allowarchivescanning`, "1"),
        choice(`${DEFENDER}allowbehaviormonitoring`, "1"),
        choice(`${DEFENDER}allowcloudprotection`, "1"),
        choice(`${DEFENDER}allowemailscanning`, "1"),
        choice(`${DEFENDER}allowfullscanremovabledrivescanning`, "1"),
        choice(`${DEFENDER}allowioavprotection`, "1"),
        choice(`${DEFENDER}allowrealtimemonitoring`, "1"),
        choice(`${DEFENDER}allowscanningnetworkfiles`, "1"),
        choice(`${DEFENDER}allowscriptscanning`, "1"),
        choice(`${DEFENDER}cloudblocklevel`, "2"),
        int(`${DEFENDER}cloudextendedtimeout`, rng.pick([30, 50])),
        choice(`${DEFENDER}puaprotection`, "1"),
        choice(`${DEFENDER}realtimescandirection`, "0"),
        int(`${DEFENDER}signatureupdateinterval`, rng.pick([1, 4])),
        choice(`${DEFENDER}submitsamplesconsent`, "1"),
      ],
    },
    {
      name: "Contoso - Win - Defender Antivirus - D - Exclusions - v1.0",
      description: "Approved Defender exclusions for line-of-business software. Change only via CAB.",
      ...WIN_SENSE,
      template: esTemplate("endpointSecurityAntivirus", "Microsoft Defender Antivirus exclusions", "avx"),
      settings: [
        strs(`${DEFENDER}excludedpaths`, [
          "C:\\ProgramData\\Contoso\\LOB\\Cache",
          "C:\\Program Files\\Contoso Ledger\\Data",
          "D:\\SQLData",
        ]),
        strs(`${DEFENDER}excludedextensions`, [".ldf", ".mdf"]),
        strs(`${DEFENDER}excludedprocesses`, ["ContosoLedger.exe", "sqlservr.exe"]),
      ],
    },
    {
      name: "Contoso - Win - Attack Surface Reduction - D - ASR Rules - v1.1",
      description: "Standard ASR rules in block mode; Office child-process rule audited.",
      ...WIN_SENSE,
      template: esTemplate("endpointSecurityAttackSurfaceReduction", "Attack Surface Reduction Rules", "asr"),
      settings: [
        group(ASR, [
          [
            choice(`${ASR}_blockabuseofexploitedvulnerablesigneddrivers`, "block"),
            choice(`${ASR}_blockadobereaderfromcreatingchildprocesses`, "block"),
            choice(`${ASR}_blockallofficeapplicationsfromcreatingchildprocesses`, "audit"),
            choice(`${ASR}_blockcredentialstealingfromwindowslocalsecurityauthoritysubsystem`, "block"),
            choice(`${ASR}_blockexecutablecontentfromemailclientandwebmail`, "block"),
            choice(`${ASR}_blockexecutionofpotentiallyobfuscatedscripts`, "block"),
            choice(`${ASR}_blockjavascriptorvbscriptfromlaunchingdownloadedexecutablecontent`, "block"),
            choice(`${ASR}_blockofficeapplicationsfromcreatingexecutablecontent`, "block"),
            choice(`${ASR}_blockofficeapplicationsfrominjectingcodeintootherprocesses`, "block"),
            choice(`${ASR}_blockpersistencethroughwmieventsubscription`, "block"),
            choice(`${ASR}_blockuntrustedunsignedprocessesthatrunfromusb`, "block"),
            choice(`${ASR}_blockwin32apicallsfromofficemacros`, "block"),
            choice(`${ASR}_useadvancedprotectionagainstransomware`, "block"),
          ],
        ]),
      ],
    },
    {
      name: "Contoso - Win - Firewall - D - Profiles - v1.0",
      description: "Windows Firewall on for all profiles; inbound blocked by default.",
      ...WIN_MDM,
      template: esTemplate("endpointSecurityFirewall", "Windows Firewall", "fw"),
      settings: (["domainprofile", "privateprofile", "publicprofile"] as const).map((profile) =>
        choice(`${FW}${profile}_enablefirewall`, "true", [
          choice(`${FW}${profile}_defaultinboundaction`, "1"),
          choice(`${FW}${profile}_defaultoutboundaction`, "0"),
          choice(`${FW}${profile}_disableinboundnotifications`, "true"),
        ]),
      ),
    },
    {
      name: "Contoso - Win - Firewall - D - Rules - Core Services - v1.0",
      description: "Inbound rules for management agents used by the Contoso service desk.",
      ...WIN_MDM,
      template: esTemplate("endpointSecurityFirewall", "Windows Firewall Rules", "fwr"),
      settings: [
        group(FW_RULE, [
          firewallRule("Contoso Remote Assistance (TCP-In)", "in", 6, ["3389"]),
          firewallRule("Contoso Inventory Agent (TCP-In)", "in", 6, ["8530", "8531"]),
          firewallRule("Contoso Print Management (UDP-In)", "in", 17, ["161", "162"]),
        ]),
      ],
    },
    {
      name: "Contoso - Win - BitLocker - D - OS Disk - v1.3",
      description: "Silent BitLocker encryption of the OS disk with XTS-AES 256 and recovery key escrow to Entra ID.",
      ...WIN_MDM,
      template: esTemplate("endpointSecurityDiskEncryption", "BitLocker", "bl"),
      settings: [
        choice(`${BITLOCKER}requiredeviceencryption`, "1"),
        choice(`${BITLOCKER}allowwarningforotherdiskencryption`, "0", [
          choice(`${BITLOCKER}allowstandarduserencryption`, "1"),
        ]),
        choice(`${BITLOCKER}configurerecoverypasswordrotation`, "1"),
        choice(`${BITLOCKER}encryptionmethodbydrivetype`, "1", [
          choice(`${BITLOCKER}encryptionmethodbydrivetype_encryptionmethodwithxtsfdvdropdown_name`, "7"),
          choice(`${BITLOCKER}encryptionmethodbydrivetype_encryptionmethodwithxtsosdropdown_name`, "7"),
          choice(`${BITLOCKER}encryptionmethodbydrivetype_encryptionmethodwithxtsrdvdropdown_name`, "4"),
        ]),
        choice(`${BITLOCKER}systemdrivesrecoveryoptions`, "1", [
          choice(`${BITLOCKER}systemdrivesrecoveryoptions_osactivedirectorybackup_name`, "1"),
          choice(`${BITLOCKER}systemdrivesrecoveryoptions_osactivedirectorybackupdropdown_name`, "1"),
          choice(`${BITLOCKER}systemdrivesrecoveryoptions_osallowdra_name`, "0"),
          choice(`${BITLOCKER}systemdrivesrecoveryoptions_oshiderecoverypage_name`, "1"),
          choice(`${BITLOCKER}systemdrivesrecoveryoptions_osrecoverykeyusagedropdown_name`, "2"),
          choice(`${BITLOCKER}systemdrivesrecoveryoptions_osrecoverypasswordusagedropdown_name`, "2"),
          choice(`${BITLOCKER}systemdrivesrecoveryoptions_osrequireactivedirectorybackup_name`, "1"),
        ]),
      ],
    },
    {
      name: "Contoso - Win - LAPS - D - Configuration - v1.1",
      description: "Windows LAPS: back up the local admin password to Entra ID and rotate after use.",
      ...WIN_MDM,
      template: esTemplate("endpointSecurityAccountProtection", "Local admin password solution (Windows LAPS)", "laps"),
      settings: [
        choice(`${LAPS}backupdirectory`, "1", [int(`${LAPS}passwordagedays_aad`, rng.pick([14, 30]))]),
        str(`${LAPS}administratoraccountname`, "ContosoLapsAdmin"),
        choice(`${LAPS}passwordcomplexity`, "4"),
        int(`${LAPS}passwordlength`, rng.int(16, 24)),
        choice(`${LAPS}postauthenticationactions`, "3"),
        int(`${LAPS}postauthenticationresetdelay`, 8),
      ],
    },
    {
      name: "Contoso - Win - Local Administrators - D - Group Membership - v1.0",
      description: "Restricts local Administrators and adds the service desk to Remote Desktop Users.",
      ...WIN_MDM,
      template: esTemplate("endpointSecurityAccountProtection", "Local user group membership", "lug"),
      settings: [
        group(LUG, [
          [
            group(`${LUG}_groupconfiguration_accessgroup`, [
              [
                choices(`${LUG}_groupconfiguration_accessgroup_desc`, ["administrators"]),
                choice(`${LUG}_groupconfiguration_accessgroup_action`, "add_restrict"),
                choice(`${LUG}_groupconfiguration_accessgroup_userselectiontype`, "manual", [
                  strs(`${LUG}_groupconfiguration_accessgroup_users`, ["ContosoLapsAdmin"]),
                ]),
              ],
              [
                choices(`${LUG}_groupconfiguration_accessgroup_desc`, ["remotedesktopusers"]),
                choice(`${LUG}_groupconfiguration_accessgroup_action`, "add_update"),
                choice(`${LUG}_groupconfiguration_accessgroup_userselectiontype`, "manual", [
                  strs(`${LUG}_groupconfiguration_accessgroup_users`, [
                    "CONTOSO\\ServiceDesk-L2",
                    "CONTOSO\\ServiceDesk-L3",
                  ]),
                ]),
              ],
            ]),
          ],
        ]),
      ],
    },
    {
      name: "Contoso - Win - Windows Hello for Business - D - Configuration - v1.0",
      description: "Hello for Business with a TPM-backed key and a minimum PIN length.",
      ...WIN_MDM,
      template: esTemplate("endpointSecurityAccountProtection", "Account protection", "whfb"),
      settings: [
        choice(`${WHFB}usepassportforwork`, "true", [
          choice(`${WHFB}requiresecuritydevice`, "true"),
          int(`${WHFB}pincomplexity_minimumpinlength`, rng.pick([6, 8])),
          int(`${WHFB}pincomplexity_maximumpinlength`, 127),
          choice(`${WHFB}pincomplexity_expiration`, "0"),
        ]),
      ],
    },
    {
      name: "Contoso - Win - Windows Hello for Business - D - Cloud Kerberos Trust - v1.0",
      description: "Cloud Kerberos trust for hybrid single sign-on to on-premises resources.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice(`${WHFB}usecloudtrustforonpremauth`, "true"),
        choice(`${DEF}kerberos_cloudkerberosticketretrievalenabled`, "1"),
      ],
    },
    {
      name: "Contoso - Win - Device Lock - D - Password Policy - v1.0",
      description: "Device password rules for shared and kiosk-style devices.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice(`${DEF}devicelock_devicepasswordenabled`, "0", [
          choice(`${DEF}devicelock_alphanumericdevicepasswordrequired`, "0"),
          int(`${DEF}devicelock_devicepasswordhistory`, 24),
          int(`${DEF}devicelock_maxinactivitytimedevicelock`, 15),
          int(`${DEF}devicelock_mindevicepasswordcomplexcharacters`, 3),
          int(`${DEF}devicelock_mindevicepasswordlength`, rng.pick([12, 14])),
        ]),
        choice(`${DEF}devicelock_preventenablinglockscreencamera`, "enabled"),
        choice(`${DEF}devicelock_preventlockscreenslideshow`, "enabled"),
      ],
    },
    {
      name: "Contoso - Win - Delivery Optimisation - D - Configuration - v1.0",
      description: "Peer caching on the LAN only, tuned for branch offices.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice(`${DEF}deliveryoptimization_dodownloadmode`, "1"),
        int(`${DEF}deliveryoptimization_domaxcacheage`, 604800),
        int(`${DEF}deliveryoptimization_dominfilesizetocache`, 10),
        int(`${DEF}deliveryoptimization_dominramallowedtopeer`, 4),
      ],
    },
    {
      name: "Contoso - Win - Microsoft Edge - D - Security - v1.4",
      description: "SmartScreen, TLS floor and extension block list for Microsoft Edge.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice(`${EDGE}~smartscreen_smartscreenenabled`, "1"),
        choice(`${EDGE}~smartscreen_preventsmartscreenpromptoverride`, "1"),
        choice(`${EDGE}~smartscreen_preventsmartscreenpromptoverrideforfiles`, "1"),
        choice(`${DEF}microsoft_edgev80diff~policy~microsoft_edge~smartscreen_smartscreenpuaenabled`, "1"),
        choice(`${EDGE}_sslversionmin`, "1", [choice(`${EDGE}_sslversionmin_sslversionmin`, "tls1.2")]),
        choice(`${EDGE}~extensions_extensioninstallblocklist`, "1", [
          strs(`${EDGE}~extensions_extensioninstallblocklist_extensioninstallblocklistdesc`, ["*"]),
        ]),
      ],
    },
    {
      name: "Contoso - Win - Microsoft Edge - U - Password Management - v1.0",
      description: "Users save passwords in the company password manager, not in the browser.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice(
          "user_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge~passwordmanager_passwordmanagerenabled",
          "0",
        ),
      ],
    },
    {
      name: "Contoso - Win - OneDrive - D - Sync Client - v1.2",
      description: "Silent sign-in, Files On-Demand and a restricted tenant list for the OneDrive sync client.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice(`${ONEDRIVE}silentaccountconfig`, "1"),
        choice(`${ONEDRIVE}filesondemandenabled`, "1"),
        choice(`${ONEDRIVE}kfmblockoptout`, "1"),
        choice(`${ONEDRIVE}gposetupdatering`, "1", [
          choice(`${ONEDRIVE}gposetupdatering_gposetupdatering_dropdown`, "5"),
        ]),
      ],
    },
    {
      name: "Contoso - Win - Telemetry - D - Diagnostic Data - v1.0",
      description: "Required diagnostic data for Windows Update for Business reports.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice(`${DEF}system_allowtelemetry`, "1"),
        choice(`${DEF}system_allowdevicenameindiagnosticdata`, "1"),
        choice(`${DEF}system_configuretelemetryoptinsettingsux`, "1"),
      ],
    },
    {
      name: "Contoso - Win - Device Guard - D - VBS and Credential Guard - v1.0",
      description: "Virtualisation-based security with Credential Guard and System Guard.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice(`${DEF}deviceguard_enablevirtualizationbasedsecurity`, "1"),
        choice(`${DEF}deviceguard_requireplatformsecurityfeatures`, "1"),
        choice(`${DEF}deviceguard_lsacfgflags`, "1"),
        choice(`${DEF}deviceguard_configuresystemguardlaunch`, "1"),
      ],
    },
    {
      name: "Contoso - Win - Audit Logging - D - Advanced Audit Policy - v1.1",
      description: "Advanced audit policy required by the Contoso SOC's detection rules.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice(`${DEF}audit_accountlogon_auditcredentialvalidation`, "3"),
        choice(`${DEF}audit_accountlogonlogoff_auditaccountlockout`, "2"),
        choice(`${DEF}audit_accountlogonlogoff_auditgroupmembership`, "1"),
        choice(`${DEF}audit_accountlogonlogoff_auditlogon`, "3"),
        choice(`${DEF}audit_accountlogonlogoff_auditspeciallogon`, "1"),
      ],
    },
    {
      name: "Contoso - Win - Time Zone - D - Configuration - v1.0",
      description: "Default time zone for devices in the Zürich and Berlin offices.",
      ...WIN_MDM,
      template: null,
      settings: [str(`${DEF}timelanguagesettings_configuretimezone`, "W. Europe Standard Time")],
    },
    {
      name: "Contoso - Win - Power - D - Sleep Settings - v1.0",
      description: "Sleep timeouts on battery and plugged in.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice(`${DEF}power_standbytimeoutonbattery`, "1", [
          int(`${DEF}power_standbytimeoutonbattery_enterdcstandbytimeout`, rng.pick([900, 1200])),
        ]),
        choice(`${DEF}power_standbytimeoutpluggedin`, "1", [
          int(`${DEF}power_standbytimeoutpluggedin_enteracstandbytimeout`, 3600),
        ]),
      ],
    },
    {
      name: "Contoso - Win - Windows Spotlight - U - Configuration - v1.0",
      description: "No consumer suggestions on corporate desktops.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice("user_vendor_msft_policy_config_experience_allowwindowsspotlight", "0"),
        choice("user_vendor_msft_policy_config_experience_allowwindowsspotlightonactioncenter", "0"),
        choice("user_vendor_msft_policy_config_experience_allowwindowsspotlightwindowswelcomeexperience", "0"),
      ],
    },
  ];
}

function macCatalog(rng: SeededRandom): CatalogSpec[] {
  const wifi = "com.apple.wifi.managed";
  return [
    {
      name: "Contoso - macOS - Firewall - D - Configuration - v1.0",
      description: "Application firewall on with stealth mode.",
      ...MAC,
      template: null,
      settings: [
        group("com.apple.security.firewall_com.apple.security.firewall", [
          [
            choice("com.apple.security.firewall_blockallincoming", "false"),
            choice("com.apple.security.firewall_enablefirewall", "true"),
            choice("com.apple.security.firewall_enablelogging", "true"),
            choice("com.apple.security.firewall_enablestealthmode", "true"),
          ],
        ]),
      ],
    },
    {
      name: "Contoso - macOS - Restrictions - D - Core - v1.0",
      description: "Blocks AirDrop, unmanaged iCloud sync and personalised advertising.",
      ...MAC,
      template: null,
      settings: [
        group("com.apple.applicationaccess_com.apple.applicationaccess", [
          [
            choice("com.apple.applicationaccess_allowairdrop", "false"),
            choice("com.apple.applicationaccess_allowapplepersonalizedadvertising", "false"),
            choice("com.apple.applicationaccess_allowcloudaddressbook", "false"),
            choice("com.apple.applicationaccess_allowcloudkeychainsync", "false"),
          ],
        ]),
      ],
    },
    {
      name: "Contoso - macOS - FileVault - D - Configuration - v1.0",
      description: "FileVault with personal recovery key escrow to Intune.",
      ...MAC,
      template: null,
      settings: [
        group("com.apple.mcx.filevault2_com.apple.mcx.filevault2", [
          [
            choice("com.apple.mcx.filevault2_enable", "0"),
            choice("com.apple.mcx.filevault2_forceenableinsetupassistant", "true"),
            int("com.apple.mcx.filevault2_recoverykeyrotationinmonths", rng.pick([6, 12])),
          ],
        ]),
        group("com.apple.security.fderecoverykeyescrow_com.apple.security.fderecoverykeyescrow", [
          [
            str(
              "com.apple.security.fderecoverykeyescrow_location",
              "Contoso IT – recovery keys are escrowed to Intune",
            ),
          ],
        ]),
      ],
    },
    {
      name: "Contoso - macOS - Wi-Fi - D - Corporate WLAN - v1.0",
      description: "Corporate WPA2 network; the pre-shared key is stored by Intune as a secret.",
      ...MAC,
      template: null,
      settings: [
        group(`${wifi}_${wifi}`, [
          [
            str(`${wifi}_ssid_str`, "CONTOSO-CORP"),
            choice(`${wifi}_encryptiontype`, "2"),
            choice(`${wifi}_autojoin`, "true"),
            choice(`${wifi}_hidden_network`, "false"),
            secret(`${wifi}_password`),
          ],
        ]),
      ],
    },
    {
      name: "Contoso - macOS - Microsoft AutoUpdate - D - Configuration - v1.0",
      description: "Current Channel with a forced-quit deadline.",
      ...MAC,
      template: null,
      settings: [
        group("com.microsoft.autoupdate2_com.microsoft.autoupdate2", [
          [
            choice("com.microsoft.autoupdate2_channelname", "0"),
            choice("com.microsoft.autoupdate2_howtocheck", "0"),
            int("com.microsoft.autoupdate2_updatedeadline.daysbeforeforcedquit", rng.pick([3, 7])),
          ],
        ]),
      ],
    },
  ];
}

function scheduledActions(items: { actionType: string; gracePeriodHours: number }[]): JsonValue {
  return [
    {
      "@odata.type": `${NS}deviceComplianceScheduledActionForRule`,
      ruleName: null,
      scheduledActionConfigurations: items.map((item) => ({
        "@odata.type": `${NS}deviceComplianceActionItem`,
        gracePeriodHours: item.gracePeriodHours,
        actionType: item.actionType,
        notificationTemplateId: "00000000-0000-0000-0000-000000000000",
        notificationMessageCCList: [],
      })),
    },
  ];
}

function windowsCompliance(base: {
  displayName: string;
  description: string | null;
  overrides: JsonObject;
  actions: { actionType: string; gracePeriodHours: number }[];
}): JsonObject {
  return {
    "@odata.type": T.windowsCompliance,
    roleScopeTagIds: ["0"],
    description: base.description,
    displayName: base.displayName,
    passwordRequired: false,
    passwordBlockSimple: false,
    passwordRequiredToUnlockFromIdle: false,
    passwordMinutesOfInactivityBeforeLock: null,
    passwordExpirationDays: null,
    passwordMinimumLength: null,
    passwordMinimumCharacterSetCount: null,
    passwordRequiredType: "deviceDefault",
    passwordPreviousPasswordBlockCount: null,
    requireHealthyDeviceReport: false,
    osMinimumVersion: null,
    osMaximumVersion: null,
    mobileOsMinimumVersion: null,
    mobileOsMaximumVersion: null,
    earlyLaunchAntiMalwareDriverEnabled: false,
    bitLockerEnabled: false,
    secureBootEnabled: false,
    codeIntegrityEnabled: false,
    memoryIntegrityEnabled: false,
    kernelDmaProtectionEnabled: false,
    virtualizationBasedSecurityEnabled: false,
    firmwareProtectionEnabled: false,
    storageRequireEncryption: false,
    activeFirewallRequired: false,
    defenderEnabled: false,
    defenderVersion: null,
    signatureOutOfDate: false,
    rtpEnabled: false,
    antivirusRequired: false,
    antiSpywareRequired: false,
    deviceThreatProtectionEnabled: false,
    deviceThreatProtectionRequiredSecurityLevel: "unavailable",
    configurationManagerComplianceRequired: false,
    tpmRequired: false,
    deviceCompliancePolicyScript: null,
    validOperatingSystemBuildRanges: [],
    ...base.overrides,
    scheduledActionsForRule: scheduledActions(base.actions),
  };
}

function macCompliance(base: {
  displayName: string;
  overrides: JsonObject;
  actions: { actionType: string; gracePeriodHours: number }[];
}): JsonObject {
  return {
    "@odata.type": T.macCompliance,
    roleScopeTagIds: ["0"],
    description: null,
    displayName: base.displayName,
    passwordRequired: false,
    passwordBlockSimple: false,
    passwordExpirationDays: null,
    passwordMinimumLength: null,
    passwordMinutesOfInactivityBeforeLock: null,
    passwordPreviousPasswordBlockCount: null,
    passwordMinimumCharacterSetCount: null,
    passwordRequiredType: "deviceDefault",
    osMinimumVersion: null,
    osMaximumVersion: null,
    osMinimumBuildVersion: null,
    osMaximumBuildVersion: null,
    systemIntegrityProtectionEnabled: false,
    deviceThreatProtectionEnabled: false,
    deviceThreatProtectionRequiredSecurityLevel: "unavailable",
    advancedThreatProtectionRequiredSecurityLevel: "unavailable",
    storageRequireEncryption: false,
    gatekeeperAllowedAppSource: "notConfigured",
    firewallEnabled: false,
    firewallBlockAllIncoming: false,
    firewallEnableStealthMode: false,
    ...base.overrides,
    scheduledActionsForRule: scheduledActions(base.actions),
  };
}

function compliancePolicies(rng: SeededRandom): JsonObject[] {
  const grace = rng.pick([24, 72]);
  return [
    windowsCompliance({
      displayName: "Contoso - Win - Compliance - U - Device Health - v1.0",
      description: "Requires BitLocker, Secure Boot and code integrity as attested by Device Health Attestation.",
      overrides: {
        bitLockerEnabled: true,
        secureBootEnabled: true,
        codeIntegrityEnabled: true,
        tpmRequired: true,
        osMinimumVersion: "10.0.19045.0",
      },
      actions: [{ actionType: "block", gracePeriodHours: grace }],
    }),
    windowsCompliance({
      displayName: "Contoso - Win - Compliance - U - Password - v1.0",
      description: null,
      overrides: {
        passwordRequired: true,
        passwordBlockSimple: true,
        passwordMinimumLength: rng.pick([8, 12]),
        passwordRequiredType: "alphanumeric",
        passwordMinutesOfInactivityBeforeLock: 15,
      },
      actions: [
        { actionType: "block", gracePeriodHours: grace },
        { actionType: "pushNotification", gracePeriodHours: 0 },
      ],
    }),
    windowsCompliance({
      displayName: "Contoso - Win - Compliance - U - Defender for Endpoint - v1.1",
      description: "Machine risk score from Defender for Endpoint must be Medium or lower.",
      overrides: {
        activeFirewallRequired: true,
        defenderEnabled: true,
        rtpEnabled: true,
        antivirusRequired: true,
        antiSpywareRequired: true,
        signatureOutOfDate: true,
        deviceThreatProtectionEnabled: true,
        deviceThreatProtectionRequiredSecurityLevel: "medium",
      },
      actions: [{ actionType: "block", gracePeriodHours: 0 }],
    }),
    macCompliance({
      displayName: "Contoso - macOS - Compliance - U - Device Security - v1.0",
      overrides: {
        systemIntegrityProtectionEnabled: true,
        storageRequireEncryption: true,
        firewallEnabled: true,
        firewallEnableStealthMode: true,
        gatekeeperAllowedAppSource: "macAppStoreAndIdentifiedDevelopers",
        osMinimumVersion: "14.0",
      },
      actions: [{ actionType: "block", gracePeriodHours: grace }],
    }),
    macCompliance({
      displayName: "Contoso - macOS - Compliance - U - Password - v1.0",
      overrides: {
        passwordRequired: true,
        passwordBlockSimple: true,
        passwordMinimumLength: 8,
        passwordMinutesOfInactivityBeforeLock: 15,
        passwordPreviousPasswordBlockCount: 1,
        passwordMinimumCharacterSetCount: 1,
        passwordRequiredType: "alphanumeric",
      },
      actions: [{ actionType: "block", gracePeriodHours: 0 }],
    }),
  ];
}

const CONFIG_HEAD = {
  roleScopeTagIds: ["0"],
  deviceManagementApplicabilityRuleOsEdition: null,
  deviceManagementApplicabilityRuleOsVersion: null,
  deviceManagementApplicabilityRuleDeviceMode: null,
} satisfies JsonObject;

function omaInteger(displayName: string, omaUri: string, value: number): JsonObject {
  return {
    "@odata.type": `${NS}omaSettingInteger`,
    displayName,
    description: null,
    omaUri,
    secretReferenceValueId: null,
    isEncrypted: false,
    value,
    isReadOnly: false,
  };
}

function deviceConfigurations(): JsonObject[] {
  return [
    {
      "@odata.type": T.customConfiguration,
      ...CONFIG_HEAD,
      description: "Settings not yet in the settings catalog, delivered as OMA-URI.",
      displayName: "Contoso - Win - Custom - D - OMA-URI Hardening - v1.0",
      omaSettings: [
        omaInteger(
          "Disable insecure guest logons",
          "./Device/Vendor/MSFT/Policy/Config/LanmanWorkstation/EnableInsecureGuestLogons",
          0,
        ),
        omaInteger("Block Cortana", "./Device/Vendor/MSFT/Policy/Config/Experience/AllowCortana", 0),
        {
          "@odata.type": `${NS}omaSettingString`,
          displayName: "Service desk break-glass account password",
          description: "Stored encrypted by Intune; rotated quarterly.",
          omaUri: "./Device/Vendor/MSFT/Accounts/Users/ContosoSupport/Password",
          // Replaced by a fresh per-tenant reference and ciphertext when the policy is decorated.
          secretReferenceValueId: null,
          isEncrypted: true,
          value: "",
          isReadOnly: false,
        },
        {
          "@odata.type": `${NS}omaSettingString`,
          displayName: "Legal notice caption",
          description: null,
          omaUri:
            "./Device/Vendor/MSFT/Policy/Config/LocalPoliciesSecurityOptions/InteractiveLogon_MessageTitleForUsersAttemptingToLogOn",
          secretReferenceValueId: null,
          isEncrypted: false,
          value: "Contoso Ltd – authorised use only",
          isReadOnly: false,
        },
      ],
    },
    {
      "@odata.type": T.healthMonitoring,
      ...CONFIG_HEAD,
      description: null,
      displayName: "Contoso - Win - Health Monitoring - D - Endpoint Analytics - v1.0",
      allowDeviceHealthMonitoring: "enabled",
      configDeviceHealthMonitoringScope: "bootPerformance,windowsUpdates",
      configDeviceHealthMonitoringCustomScope: null,
    },
  ];
}

function updateRing(
  displayName: string,
  description: string,
  quality: number,
  feature: number,
  deadline: number,
): JsonObject {
  return {
    "@odata.type": T.updateRing,
    ...CONFIG_HEAD,
    description,
    displayName,
    deliveryOptimizationMode: "userDefined",
    prereleaseFeatures: "userDefined",
    automaticUpdateMode: "windowsDefault",
    microsoftUpdateServiceAllowed: true,
    driversExcluded: false,
    installationSchedule: null,
    qualityUpdatesDeferralPeriodInDays: quality,
    featureUpdatesDeferralPeriodInDays: feature,
    qualityUpdatesPaused: false,
    featureUpdatesPaused: false,
    qualityUpdatesPauseExpiryDateTime: "0001-01-01T00:00:00Z",
    featureUpdatesPauseExpiryDateTime: "0001-01-01T00:00:00Z",
    businessReadyUpdatesOnly: "userDefined",
    skipChecksBeforeRestart: false,
    updateWeeks: null,
    qualityUpdatesPauseStartDate: null,
    featureUpdatesPauseStartDate: null,
    featureUpdatesRollbackWindowInDays: 30,
    qualityUpdatesWillBeRolledBack: false,
    featureUpdatesWillBeRolledBack: false,
    qualityUpdatesRollbackStartDateTime: "0001-01-01T00:00:00Z",
    featureUpdatesRollbackStartDateTime: "0001-01-01T00:00:00Z",
    engagedRestartDeadlineInDays: null,
    engagedRestartSnoozeScheduleInDays: null,
    engagedRestartTransitionScheduleInDays: null,
    deadlineForFeatureUpdatesInDays: deadline + 2,
    deadlineForQualityUpdatesInDays: deadline,
    deadlineGracePeriodInDays: 1,
    postponeRebootUntilAfterDeadline: true,
    autoRestartNotificationDismissal: "notConfigured",
    scheduleRestartWarningInHours: null,
    scheduleImminentRestartWarningInMinutes: null,
    userPauseAccess: "disabled",
    userWindowsUpdateScanAccess: "enabled",
    updateNotificationLevel: "defaultNotifications",
    allowWindows11Upgrade: true,
  };
}

const IOS_APPS = [
  "com.microsoft.msedge",
  "com.microsoft.office.outlook",
  "com.microsoft.skype.teams",
  "com.microsoft.skydrive",
  "com.microsoft.sharepoint",
  "com.microsoft.officemobile",
  "com.microsoft.onenote",
  "com.microsoft.to-do",
  "com.microsoft.plannermobile",
  "com.microsoft.powerbimobile",
];
const ANDROID_APPS = [
  "com.microsoft.emmx",
  "com.microsoft.office.outlook",
  "com.microsoft.teams",
  "com.microsoft.skydrive",
  "com.microsoft.sharepoint",
  "com.microsoft.office.officehubrow",
  "com.microsoft.office.onenote",
  "com.microsoft.todos",
  "com.microsoft.planner",
  "com.microsoft.powerbim",
];

function appProtection(platform: "ios" | "android", rng: SeededRandom): JsonObject {
  const ios = platform === "ios";
  const common: JsonObject = {
    "@odata.type": ios ? T.iosProtection : T.androidProtection,
    displayName: ios
      ? "Contoso - iOS - App Protection - BYOD - v1.0"
      : "Contoso - Android - App Protection - BYOD - v1.0",
    description: "Level 2 enhanced data protection for personal devices (Contoso's BYOD standard).",
    roleScopeTagIds: ["0"],
    periodOfflineBeforeAccessCheck: "PT12H",
    periodOnlineBeforeAccessCheck: "PT30M",
    allowedInboundDataTransferSources: "allApps",
    allowedOutboundDataTransferDestinations: "managedApps",
    organizationalCredentialsRequired: false,
    allowedOutboundClipboardSharingLevel: "managedAppsWithPasteIn",
    dataBackupBlocked: true,
    deviceComplianceRequired: true,
    managedBrowserToOpenLinksRequired: true,
    saveAsBlocked: true,
    periodOfflineBeforeWipeIsEnforced: "P90D",
    pinRequired: true,
    maximumPinRetries: 5,
    simplePinBlocked: true,
    minimumPinLength: rng.pick([6, 8]),
    pinCharacterSet: "numeric",
    periodBeforePinReset: "PT0S",
    allowedDataStorageLocations: ["oneDriveForBusiness", "sharePoint"],
    contactSyncBlocked: false,
    printBlocked: true,
    fingerprintBlocked: false,
    disableAppPinIfDevicePinIsSet: false,
    minimumRequiredOsVersion: ios ? "17.0" : "12.0",
    minimumWarningOsVersion: null,
    minimumRequiredAppVersion: null,
    appActionIfDeviceComplianceRequired: "block",
    appActionIfMaximumPinRetriesExceeded: "block",
    pinRequiredInsteadOfBiometricTimeout: "PT12H",
    notificationRestriction: "blockOrganizationalData",
    managedBrowser: "microsoftEdge",
    targetedAppManagementLevels: "unmanaged",
    appGroupType: "allMicrosoftApps",
  };
  const platformSpecific: JsonObject = ios
    ? {
        appDataEncryptionType: "whenDeviceLocked",
        faceIdBlocked: false,
        thirdPartyKeyboardsBlocked: false,
        filterOpenInToOnlyManagedApps: false,
        customBrowserProtocol: "",
        managedUniversalLinks: [
          "https://*.sharepoint.com/*",
          "https://*.onedrive.com/*",
          "https://*teams.microsoft.com/l/*",
        ],
        exemptedUniversalLinks: ["https://maps.apple.com", "https://facetime.apple.com"],
        exemptedAppProtocols: [
          {
            "@odata.type": `${NS}keyValuePair`,
            name: "Default",
            value: "skype;app-settings;calshow;itms;itmss;itms-apps;itms-appss;itms-services;",
          },
        ],
      }
    : {
        screenCaptureBlocked: true,
        disableAppEncryptionIfDeviceEncryptionIsEnabled: false,
        encryptAppData: true,
        requireClass3Biometrics: false,
        customBrowserPackageId: "",
        customBrowserDisplayName: "",
        keyboardsRestricted: false,
        exemptedAppPackages: [
          { "@odata.type": `${NS}keyValuePair`, name: "Phone", value: "com.android.phone" },
          { "@odata.type": `${NS}keyValuePair`, name: "Calendar", value: "com.google.android.calendar" },
        ],
      };
  const apps = (ios ? IOS_APPS : ANDROID_APPS).map((appId) => ({
    "@odata.type": `${NS}managedMobileApp`,
    mobileAppIdentifier: ios
      ? { "@odata.type": `${NS}iosMobileAppIdentifier`, bundleId: appId }
      : { "@odata.type": `${NS}androidMobileAppIdentifier`, packageId: appId },
  }));
  return { ...common, ...platformSpecific, apps };
}

/**
 * Generates a realistic baseline: 33–37 policies (settings catalog for Windows and macOS, Windows
 * and macOS compliance, custom OMA-URI and health monitoring configuration, update rings, iOS and
 * Android app protection), decorated like an Intune Management export of the source tenant.
 * Some values and which optional policies exist depend on the seed; the same seed always yields
 * deep-equal output.
 * @param seed - any number
 * @returns the baseline policies, in a stable order
 */
export function generateSampleBaseline(seed: number): SamplePolicy[] {
  const rng = createSeededRandom(seed);
  const optionalCatalog = new Set([
    "Contoso - Win - Windows Spotlight - U - Configuration - v1.0",
    "Contoso - Win - Power - D - Sleep Settings - v1.0",
    "Contoso - macOS - Microsoft AutoUpdate - D - Configuration - v1.0",
  ]);
  const dropped = new Set(rng.shuffle([...optionalCatalog]).slice(0, rng.int(0, 2)));
  const catalog = [...windowsCatalog(rng), ...macCatalog(rng)].filter((s) => !dropped.has(s.name));
  const contents: JsonObject[] = [
    ...catalog.map(catalogContent),
    ...compliancePolicies(rng),
    ...deviceConfigurations(),
    updateRing(
      "Contoso - Win - Update Ring - Pilot - v1.0",
      "Pilot devices receive quality updates immediately with a two-day deadline.",
      0,
      0,
      2,
    ),
    updateRing(
      "Contoso - Win - Update Ring - Broad - v1.1",
      "Broad deployment after the pilot has soaked.",
      rng.pick([5, 7]),
      30,
      3,
    ),
    appProtection("ios", rng),
    appProtection("android", rng),
  ];
  const ctx = createExportContext(createSeededRandom(seed ^ 0x5bd1e995));
  return contents.map((c) => decoratePolicy(c, ctx));
}

// ---------------------------------------------------------------------------------------------
// Tenant-only policies (for addedPolicies)
// ---------------------------------------------------------------------------------------------

function addedPolicyPool(): JsonObject[] {
  return [
    catalogContent({
      name: "Custom - Win - Microsoft Edge - U - Startup Pages - v1.0",
      description: "Local addition: opens the intranet on start.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice("user_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge~startup_restoreonstartup", "1", [
          choice(
            "user_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge~startup_restoreonstartup_restoreonstartup",
            "4",
          ),
        ]),
        choice(
          "user_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge~startup_restoreonstartupurls",
          "1",
          [
            strs(
              "user_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge~startup_restoreonstartupurls_restoreonstartupurlsdesc",
              ["https://intranet.example.com"],
            ),
          ],
        ),
      ],
    }),
    {
      "@odata.type": T.customConfiguration,
      ...CONFIG_HEAD,
      description: "Local addition for a legacy label printer driver.",
      displayName: "Custom - Win - Custom - D - Legacy Printer Driver - v1.0",
      omaSettings: [
        omaInteger(
          "Allow Point and Print to approved servers",
          "./Device/Vendor/MSFT/Policy/Config/Printers/PointAndPrintRestrictions",
          1,
        ),
      ],
    },
    catalogContent({
      name: "Custom - Win - Removable Storage - D - Block USB Write - v1.0",
      description: "Local addition requested by the customer's compliance officer.",
      ...WIN_MDM,
      template: null,
      settings: [
        choice(`${DEF}storage_removablediskdenywriteaccess`, "1"),
        choice(`${DEF}admx_removablestorage_removablestorageclasses_denyall_access_2`, "enabled"),
      ],
    }),
    windowsCompliance({
      displayName: "Custom - Win - Compliance - U - Legacy Devices - v1.0",
      description: "Relaxed rules for devices that cannot run TPM 2.0.",
      overrides: { passwordRequired: true, passwordMinimumLength: 6 },
      actions: [{ actionType: "block", gracePeriodHours: 168 }],
    }),
    updateRing("Custom - Win - Update Ring - Kiosk - v1.0", "Kiosk devices update out of hours only.", 3, 60, 5),
    catalogContent({
      name: "Custom - macOS - Restrictions - D - Screenshots - v1.0",
      description: "Local addition for the design studio.",
      ...MAC,
      template: null,
      settings: [
        group("com.apple.applicationaccess_com.apple.applicationaccess", [
          [choice("com.apple.applicationaccess_allowscreenshot", "false")],
        ]),
      ],
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Export decoration (noise)
// ---------------------------------------------------------------------------------------------

interface ExportContext {
  rng: SeededRandom;
  /** Milliseconds since epoch around which this tenant's timestamps are generated. */
  epoch: number;
  /** Whether this export advertises the enrollment-time membership actions on settings catalog policies. */
  enrollmentActions: boolean;
  /** Whether this export advertises `retrieveLatestUpgradeDefaultBaselinePolicy`. */
  baselineUpgradeAction: boolean;
}

function createExportContext(rng: SeededRandom): ExportContext {
  return {
    rng,
    epoch: Date.UTC(2024, 0, 1) + rng.int(0, 500) * 86_400_000,
    enrollmentActions: rng.chance(0.5),
    baselineUpgradeAction: rng.chance(0.5),
  };
}

function timestamp(ms: number, rng: SeededRandom): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}.${String(rng.int(0, 9_999_999)).padStart(7, "0")}Z`;
}

function timestamps(ctx: ExportContext): { created: string; modified: string } {
  const created = ctx.epoch - ctx.rng.int(30, 400) * 86_400_000 - ctx.rng.int(0, 86_399_999);
  const modified = created + ctx.rng.int(0, 25) * 86_400_000 + ctx.rng.int(0, 86_399_999);
  return { created: timestamp(created, ctx.rng), modified: timestamp(Math.min(modified, ctx.epoch), ctx.rng) };
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function cloneJson<V extends JsonValue>(value: V): V {
  return structuredClone(value);
}

/** Adds `prop@odata.type` hints (recursively) before the properties that carry them in real exports. */
function withHints(obj: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) {
    const hint = TYPE_HINTS[key];
    if (hint !== undefined && value !== null) out[`${key}@odata.type`] = hint;
    out[key] = Array.isArray(value)
      ? value.map((v) => (isObject(v) ? withHints(v) : v))
      : isObject(value)
        ? withHints(value)
        : value;
  }
  return out;
}

function navLinks(out: JsonObject, base: string, contextBase: string | null, nav: string): void {
  if (contextBase !== null) out[`${nav}@odata.context`] = `${GRAPH}/$metadata#${contextBase}/${nav}`;
  out[`${nav}@odata.associationLink`] = `${GRAPH}/${base}/${nav}/$ref`;
  out[`${nav}@odata.navigationLink`] = `${GRAPH}/${base}/${nav}`;
}

function actions(out: JsonObject, base: string, names: readonly string[]): void {
  for (const name of names) {
    const [path0, action] = name.includes("/") ? (name.split("/") as [string, string]) : ["", name];
    const target =
      path0 === ""
        ? `${GRAPH}/${base}/microsoft.graph.${action}`
        : `${GRAPH}/${base}/${path0}/microsoft.graph.${action}`;
    out[`#microsoft.graph.${action}`] = { title: `microsoft.graph.${action}`, target };
  }
}

function freshToken(rng: SeededRandom): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  for (let i = 0; i < 88; i++) out += alphabet[rng.int(0, 63)];
  return `${out}==`;
}

/** Re-issues secret tokens (secret setting values and encrypted OMA values) for this export. */
function reissueSecrets(value: JsonValue, ctx: ExportContext): JsonValue {
  if (Array.isArray(value)) return value.map((v) => reissueSecrets(v, ctx));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) out[k] = reissueSecrets(v, ctx);
  if (out["@odata.type"] === `${SC}SecretSettingValue`) {
    out["value"] = ctx.rng.guid();
    out["valueState"] = "encryptedValueToken";
  }
  if (out["isEncrypted"] === true && typeof out["omaUri"] === "string") {
    out["secretReferenceValueId"] = ctx.rng.guid();
    out["value"] = freshToken(ctx.rng);
  }
  return out;
}

function decorateCatalog(content: JsonObject, ctx: ExportContext): JsonObject {
  const id = ctx.rng.guid();
  const { created, modified } = timestamps(ctx);
  const entity = `deviceManagement/configurationPolicies('${id}')`;
  const settings = Array.isArray(content["settings"]) ? content["settings"] : [];
  const out: JsonObject = {
    "@odata.context": `${GRAPH}/$metadata#deviceManagement/configurationPolicies(assignments(),settings())/$entity`,
    "@odata.type": T.configurationPolicy,
    "@odata.id": entity,
    "@odata.editLink": entity,
    "createdDateTime@odata.type": TYPE_HINTS["createdDateTime"] ?? "#DateTimeOffset",
    createdDateTime: created,
  };
  const rest = withHints(content);
  for (const [key, value] of Object.entries(rest)) {
    if (key === "@odata.type" || key === "settings" || key === "assignments") continue;
    if (key === "name") {
      out["lastModifiedDateTime@odata.type"] = "#DateTimeOffset";
      out["lastModifiedDateTime"] = modified;
    }
    if (key === "technologies@odata.type") out["settingCount"] = settings.length;
    if (key === "templateReference") out["id"] = id;
    out[key] = value;
  }
  if (!("id" in out)) out["id"] = id;
  navLinks(out, entity, entity, "assignments");
  const assignments = content["assignments"];
  if (Array.isArray(assignments) && assignments.length > 0) out["assignments"] = assignments;
  else if (ctx.rng.chance(0.5)) out["assignments"] = [];
  navLinks(out, entity, entity, "settings");
  out["settings"] = settings.map((s, index): JsonValue => {
    const item = isObject(s) ? s : {};
    const settingEntity = `${entity}/settings('${index}')`;
    return {
      "@odata.type": `${SC}Setting`,
      "@odata.id": settingEntity,
      "@odata.editLink": settingEntity,
      id: String(index),
      settingInstance: reissueSecrets(item["settingInstance"] ?? null, ctx),
      "settingDefinitions@odata.associationLink": `${GRAPH}/${settingEntity}/settingDefinitions/$ref`,
      "settingDefinitions@odata.navigationLink": `${GRAPH}/${settingEntity}/settingDefinitions`,
    };
  });
  const names = ["assign", "createCopy", "reorder"];
  if (ctx.enrollmentActions) {
    names.splice(
      1,
      0,
      "clearEnrollmentTimeDeviceMembershipTarget",
      "retrieveEnrollmentTimeDeviceMembershipTarget",
      "setEnrollmentTimeDeviceMembershipTarget",
    );
  }
  if (ctx.baselineUpgradeAction) names.push("retrieveLatestUpgradeDefaultBaselinePolicy");
  actions(out, entity, names);
  return out;
}

function decorateCompliance(content: JsonObject, ctx: ExportContext): JsonObject {
  const id = ctx.rng.guid();
  const kind = String(content["@odata.type"]).slice(NS.length);
  const { created, modified } = timestamps(ctx);
  const entity = `deviceManagement/deviceCompliancePolicies('${id}')`;
  const typed = `${entity}/microsoft.graph.${kind}`;
  const out: JsonObject = {
    "@odata.context": `${GRAPH}/$metadata#deviceManagement/deviceCompliancePolicies(assignments(),scheduledActionsForRule(scheduledActionConfigurations()))/$entity`,
    "@odata.type": String(content["@odata.type"]),
    "@odata.id": entity,
    "@odata.editLink": typed,
  };
  const rest = withHints(content);
  for (const [key, value] of Object.entries(rest)) {
    if (key === "@odata.type" || key === "scheduledActionsForRule" || key === "assignments") continue;
    if (key === "description") {
      out["id"] = id;
      out["createdDateTime@odata.type"] = "#DateTimeOffset";
      out["createdDateTime"] = created;
    }
    out[key] = value;
    if (key === "description") {
      out["lastModifiedDateTime@odata.type"] = "#DateTimeOffset";
      out["lastModifiedDateTime"] = modified;
    }
    if (key === "displayName") out["version"] = ctx.rng.int(1, 6);
  }
  navLinks(out, typed, typed, "assignments");
  const assignments = content["assignments"];
  if (Array.isArray(assignments) && assignments.length > 0) out["assignments"] = assignments;
  navLinks(out, typed, typed, "scheduledActionsForRule");
  const rules = Array.isArray(rest["scheduledActionsForRule"]) ? rest["scheduledActionsForRule"] : [];
  out["scheduledActionsForRule"] = rules.map((rule): JsonValue => {
    const r = isObject(rule) ? rule : {};
    const ruleEntity = `${entity}/scheduledActionsForRule('${id}')`;
    const ruleOut: JsonObject = {
      "@odata.type": `${NS}deviceComplianceScheduledActionForRule`,
      "@odata.id": ruleEntity,
      "@odata.editLink": ruleEntity,
      id,
      ruleName: r["ruleName"] ?? null,
    };
    navLinks(ruleOut, ruleEntity, `${typed}/scheduledActionsForRule('${id}')`, "scheduledActionConfigurations");
    const configs = Array.isArray(r["scheduledActionConfigurations"]) ? r["scheduledActionConfigurations"] : [];
    ruleOut["scheduledActionConfigurations"] = configs.map((c): JsonValue => {
      const itemId = ctx.rng.guid();
      const itemEntity = `${ruleEntity}/scheduledActionConfigurations('${itemId}')`;
      const body = isObject(c) ? c : {};
      const item: JsonObject = {
        "@odata.type": `${NS}deviceComplianceActionItem`,
        "@odata.id": itemEntity,
        "@odata.editLink": itemEntity,
        id: itemId,
      };
      for (const [k, v] of Object.entries(body)) if (k !== "@odata.type") item[k] = v;
      return item;
    });
    return ruleOut;
  });
  for (const nav of [
    "deviceSettingStateSummaries",
    "deviceStatuses",
    "deviceStatusOverview",
    "userStatuses",
    "userStatusOverview",
  ]) {
    navLinks(out, typed, null, nav);
  }
  actions(out, entity, [
    "microsoft.graph.deviceCompliancePolicy/assign",
    "microsoft.graph.deviceCompliancePolicy/scheduleActionsForRules",
  ]);
  return out;
}

function decorateDeviceConfiguration(content: JsonObject, ctx: ExportContext): JsonObject {
  const id = ctx.rng.guid();
  const type = String(content["@odata.type"]);
  const kind = type.slice(NS.length);
  const { created, modified } = timestamps(ctx);
  const entity = `deviceManagement/deviceConfigurations('${id}')`;
  const typed = `${entity}/microsoft.graph.${kind}`;
  const out: JsonObject = {
    "@odata.context": `${GRAPH}/$metadata#deviceManagement/deviceConfigurations(assignments())/$entity`,
    "@odata.type": type,
    "@odata.id": entity,
    "@odata.editLink": typed,
    id,
    "lastModifiedDateTime@odata.type": "#DateTimeOffset",
    lastModifiedDateTime: modified,
  };
  const rest = withHints(reissueSecrets(content, ctx) as JsonObject);
  for (const [key, value] of Object.entries(rest)) {
    if (key === "@odata.type" || key === "assignments") continue;
    if (key === "description") {
      out["createdDateTime@odata.type"] = "#DateTimeOffset";
      out["createdDateTime"] = created;
    }
    out[key] = value;
    if (key === "roleScopeTagIds") out["supportsScopeTags"] = true;
    if (key === "displayName") out["version"] = ctx.rng.int(1, 9);
  }
  navLinks(out, typed, typed, "assignments");
  const assignments = content["assignments"];
  out["assignments"] = Array.isArray(assignments) ? assignments : [];
  for (const nav of [
    "deviceSettingStateSummaries",
    "deviceStatuses",
    "deviceStatusOverview",
    "groupAssignments",
    "userStatuses",
    "userStatusOverview",
  ]) {
    navLinks(out, typed, null, nav);
  }
  const names = [
    "microsoft.graph.deviceConfiguration/assign",
    "microsoft.graph.deviceConfiguration/assignedAccessMultiModeProfiles",
    "microsoft.graph.deviceConfiguration/windowsPrivacyAccessControls",
  ];
  if (type === T.updateRing) {
    names.push(
      "microsoft.graph.windowsUpdateForBusinessConfiguration/extendFeatureUpdatesPause",
      "microsoft.graph.windowsUpdateForBusinessConfiguration/extendQualityUpdatesPause",
    );
  }
  names.push("microsoft.graph.deviceConfiguration/getOmaSettingPlainTextValue");
  actions(out, entity, names);
  return out;
}

function decorateAppProtection(content: JsonObject, ctx: ExportContext): JsonObject {
  const type = String(content["@odata.type"]);
  const ios = type === T.iosProtection;
  const collection = ios ? "iosManagedAppProtections" : "androidManagedAppProtections";
  const id = `T_${ctx.rng.guid()}`;
  const { created, modified } = timestamps(ctx);
  const entity = `deviceAppManagement/${collection}('${id}')`;
  const apps = Array.isArray(content["apps"]) ? content["apps"] : [];
  const out: JsonObject = {
    "@odata.context": `${GRAPH}/$metadata#deviceAppManagement/${collection}(assignments(),apps())/$entity`,
    "@odata.type": type,
    "@odata.id": entity,
    "@odata.editLink": entity,
  };
  const rest = withHints(content);
  for (const [key, value] of Object.entries(rest)) {
    if (key === "@odata.type" || key === "apps" || key === "assignments") continue;
    out[key] = value;
    if (key === "description") {
      out["createdDateTime@odata.type"] = "#DateTimeOffset";
      out["createdDateTime"] = created;
      out["lastModifiedDateTime@odata.type"] = "#DateTimeOffset";
      out["lastModifiedDateTime"] = modified.replace(/\.\d+Z$/, "Z");
    }
    if (key === "roleScopeTagIds") {
      out["id"] = id;
      out["version"] = `"${ctx.rng.hex(8)}-0000-0d00-0000-${ctx.rng.hex(12)}"`;
    }
    if (key === "appGroupType") {
      out["isAssigned"] = false;
    }
  }
  out["deployedAppCount"] = apps.length + ctx.rng.int(20, 40);
  navLinks(out, entity, entity, "assignments");
  const assignments = content["assignments"];
  out["assignments"] = Array.isArray(assignments) ? assignments : [];
  navLinks(out, entity, entity, "apps");
  out["apps"] = apps.map((app): JsonValue => {
    const a = isObject(app) ? app : {};
    const identifier = isObject(a["mobileAppIdentifier"]) ? a["mobileAppIdentifier"] : {};
    const appKey = String(identifier["bundleId"] ?? identifier["packageId"] ?? "unknown");
    const appId = `${appKey}.${ios ? "ios" : "android"}`;
    const appEntity = `${entity}/apps('${appId}')`;
    return {
      "@odata.type": `${NS}managedMobileApp`,
      "@odata.id": appEntity,
      "@odata.editLink": appEntity,
      id: appId,
      version: String(ctx.rng.int(-2_147_483_648, 2_147_483_647)),
      mobileAppIdentifier: identifier,
    };
  });
  navLinks(out, entity, null, "deploymentSummary");
  actions(out, entity, ["microsoft.graph.targetedManagedAppProtection/assign"]);
  out["#microsoft.graph.targetApps"] = [
    "microsoft.graph.targetedManagedAppProtection",
    "microsoft.graph.managedAppPolicy",
    "microsoft.graph.managedAppProtection",
  ].map((p) => ({ title: "microsoft.graph.targetApps", target: `${GRAPH}/${entity}/${p}/microsoft.graph.targetApps` }));
  return out;
}

/** Turns content (no ids, timestamps or OData annotations) into a full export object for one tenant. */
function decoratePolicy(content: JsonObject, ctx: ExportContext): SamplePolicy {
  const type = content["@odata.type"];
  switch (type) {
    case T.configurationPolicy:
      return decorateCatalog(content, ctx);
    case T.windowsCompliance:
    case T.macCompliance:
      return decorateCompliance(content, ctx);
    case T.iosProtection:
    case T.androidProtection:
      return decorateAppProtection(content, ctx);
    default:
      return decorateDeviceConfiguration(content, ctx);
  }
}

/**
 * Removes everything the export adds (ids, timestamps, versions, OData annotations and type hints,
 * action objects, server-computed counters, empty assignments) and keeps the configuration.
 */
function stripExportNoise(value: JsonValue, depth = 0): JsonValue {
  if (Array.isArray(value)) return value.map((v) => stripExportNoise(v, depth + 1));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (key !== "@odata.type" && key.includes("@odata.")) continue;
    if (key.startsWith("#")) continue;
    if (key === "id" || key === "version") continue;
    if (depth === 0 && TOP_LEVEL_NOISE.has(key)) continue;
    if (depth === 0 && key === "assignments" && Array.isArray(v) && v.length === 0) continue;
    out[key] = stripExportNoise(v, depth + 1);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Drift
// ---------------------------------------------------------------------------------------------

/** The display-name key of a policy: `name` for settings catalog, `displayName` otherwise. */
function nameKey(policy: JsonObject): "name" | "displayName" {
  return policy["@odata.type"] === T.configurationPolicy ? "name" : "displayName";
}

function policyName(policy: JsonObject): string {
  const value = policy[nameKey(policy)];
  return typeof value === "string" ? value : "";
}

const VERSION_SUFFIX = /^(.*\S)\s*-\s*v(\d+)\.(\d+)((?:\.\d+)*)\s*$/;

function bumpVersion(name: string): string {
  const m = VERSION_SUFFIX.exec(name);
  if (m === null) return `${name} - v1.1`;
  return `${m[1]} - v${m[2]}.${Number(m[3]) + 1}`;
}

/** An alternative value for a choice option, or null if no plausible one is known. */
function alternativeChoice(value: string): string | null {
  const cut = value.lastIndexOf("_");
  if (cut < 0) return null;
  const prefix = value.slice(0, cut + 1);
  const option = value.slice(cut + 1);
  const swaps: Record<string, string> = {
    true: "false",
    false: "true",
    block: "audit",
    audit: "block",
    warn: "block",
    enabled: "disabled",
    disabled: "enabled",
  };
  const swapped = swaps[option];
  if (swapped !== undefined) return prefix + swapped;
  if (/^\d+$/.test(option)) {
    const n = Number(option);
    return prefix + String(n === 0 ? 1 : n - 1);
  }
  return null;
}

interface LeafCandidate {
  policyIndex: number;
  path: string;
  /** The setting value object whose `value` is changed. */
  holder: JsonObject;
  from: string | number;
  to: string | number;
}

/** Changeable leaves: choice values without children and integer values, outside group collections. */
function collectLeaves(instance: JsonValue, policyIndex: number, ancestors: string[], out: LeafCandidate[]): void {
  if (!isObject(instance)) return;
  const defId = instance["settingDefinitionId"];
  if (typeof defId !== "string") return;
  const pathParts = [...ancestors, defId];
  const choiceValue = instance["choiceSettingValue"];
  if (isObject(choiceValue)) {
    const children = Array.isArray(choiceValue["children"]) ? choiceValue["children"] : [];
    const value = choiceValue["value"];
    if (children.length === 0 && typeof value === "string") {
      const to = alternativeChoice(value);
      if (to !== null) out.push({ policyIndex, path: pathParts.join("/"), holder: choiceValue, from: value, to });
    }
    for (const child of children) collectLeaves(child, policyIndex, pathParts, out);
    return;
  }
  const simple = instance["simpleSettingValue"];
  if (isObject(simple) && simple["@odata.type"] === `${SC}IntegerSettingValue` && typeof simple["value"] === "number") {
    const from = simple["value"];
    // Drift is usually a weakened value (a shorter password, a shorter timeout).
    const to = from > 1 ? from - Math.max(1, Math.floor(from / 4)) : from + 1;
    out.push({ policyIndex, path: pathParts.join("/"), holder: simple, from, to });
  }
}

function shuffleSettingsDeep(value: JsonValue, rng: SeededRandom): JsonValue {
  if (Array.isArray(value)) return value.map((v) => shuffleSettingsDeep(v, rng));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    const inner = shuffleSettingsDeep(v, rng);
    const shuffles =
      key === "settings" ||
      key === "children" ||
      key === "groupSettingCollectionValue" ||
      key === "simpleSettingCollectionValue" ||
      key === "choiceSettingCollectionValue" ||
      key === "omaSettings";
    out[key] = shuffles && Array.isArray(inner) ? reorderNotIdentity(inner, rng) : inner;
  }
  return out;
}

function reorderNotIdentity<V>(items: V[], rng: SeededRandom): V[] {
  if (items.length < 2) return items;
  const shuffled = rng.shuffle(items);
  if (shuffled.every((v, i) => v === items[i])) return [...items.slice(1), items[0] as V];
  return shuffled;
}

function validateCount(label: string, value: number | undefined): number {
  const n = value ?? 0;
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`DriftPlan.${label} must be a non-negative integer, got ${n}`);
  return n;
}

/**
 * Makes a customer tenant from a baseline: every policy gets fresh ids, timestamps, versions,
 * OData links and action targets carrying the tenant's own ids, re-issued secret tokens, a
 * possibly different set of advertised actions and `assignments: []` present or absent — noise the
 * drift engine must ignore — plus exactly the drift the plan asks for.
 *
 * The policies chosen for changed settings, removal and renaming are pairwise disjoint, and added
 * policies share neither names nor settings with the baseline, so the counts in `expected` are
 * exact. Renamed policies are counted only in `renamedVersionBumps`, not as removed or added.
 * @param baseline - policies from {@link generateSampleBaseline} (or any export of the same shape)
 * @param options - the tenant's seed and drift plan
 * @returns the tenant's policies, the expected drift counts and the change log
 * @throws RangeError if a count is negative, fractional or larger than the baseline allows
 */
export function generateSampleTenant(baseline: readonly SamplePolicy[], options: SampleTenantOptions): SampleTenant {
  const rng = createSeededRandom(options.seed);
  const plan = options.drift;
  const nChanged = validateCount("changedSettings", plan.changedSettings);
  const nRemoved = validateCount("removedPolicies", plan.removedPolicies);
  const nAdded = validateCount("addedPolicies", plan.addedPolicies);
  const nRenamed = validateCount("renamedVersionBumps", plan.renamedVersionBumps);

  const contents = baseline.map((p) => stripExportNoise(cloneJson(p)) as JsonObject);
  const changes: DriftChangeLog = {
    changedSettings: [],
    removedPolicies: [],
    addedPolicies: [],
    renamedVersionBumps: [],
  };
  const touched = new Set<number>();

  // 1. Changed settings.
  if (nChanged > 0) {
    const leaves: LeafCandidate[] = [];
    contents.forEach((content, index) => {
      if (content["@odata.type"] !== T.configurationPolicy) return;
      const settings = Array.isArray(content["settings"]) ? content["settings"] : [];
      for (const s of settings) if (isObject(s)) collectLeaves(s["settingInstance"] ?? null, index, [], leaves);
    });
    if (leaves.length < nChanged) {
      throw new RangeError(`DriftPlan.changedSettings=${nChanged} exceeds the ${leaves.length} changeable settings`);
    }
    // Prefer spreading changes over different policies, leaving room for removals and renames.
    const shuffled = rng.shuffle(leaves);
    const picked: LeafCandidate[] = [];
    const usedPolicies = new Set<number>();
    for (const leaf of shuffled) {
      if (picked.length === nChanged) break;
      if (!usedPolicies.has(leaf.policyIndex)) {
        picked.push(leaf);
        usedPolicies.add(leaf.policyIndex);
      }
    }
    for (const leaf of shuffled) {
      if (picked.length === nChanged) break;
      if (!picked.includes(leaf) && usedPolicies.has(leaf.policyIndex)) picked.push(leaf);
    }
    for (const leaf of picked) {
      leaf.holder["value"] = leaf.to;
      touched.add(leaf.policyIndex);
      const content = contents[leaf.policyIndex] as JsonObject;
      changes.changedSettings.push({
        policyName: policyName(content),
        settingPath: leaf.path,
        from: leaf.from,
        to: leaf.to,
      });
    }
  }

  // 2. Removed and renamed policies, disjoint from the changed ones and from each other.
  const free = rng.shuffle(contents.map((_, i) => i).filter((i) => !touched.has(i)));
  if (free.length < nRemoved + nRenamed) {
    throw new RangeError(
      `DriftPlan.removedPolicies + renamedVersionBumps = ${nRemoved + nRenamed} exceeds the ${free.length} untouched policies`,
    );
  }
  const removed = new Set(free.slice(0, nRemoved));
  for (const index of free.slice(nRemoved, nRemoved + nRenamed)) {
    const content = contents[index] as JsonObject;
    const from = policyName(content);
    const to = bumpVersion(from);
    content[nameKey(content)] = to;
    changes.renamedVersionBumps.push({ from, to });
  }
  for (const index of [...removed].sort((a, b) => a - b))
    changes.removedPolicies.push(policyName(contents[index] as JsonObject));

  // 3. Added policies.
  const pool = addedPolicyPool().filter(
    (p) => !contents.some((c) => policyName(c).toLowerCase() === policyName(p).toLowerCase()),
  );
  if (pool.length < nAdded)
    throw new RangeError(`DriftPlan.addedPolicies=${nAdded} exceeds the ${pool.length} available`);
  const added = rng.shuffle(pool).slice(0, nAdded);
  for (const p of added) changes.addedPolicies.push(policyName(p));

  let tenantContents = [...contents.filter((_, i) => !removed.has(i)), ...added];
  if (plan.reorderSettings === true)
    tenantContents = tenantContents.map((c) => shuffleSettingsDeep(c, rng) as JsonObject);

  const ctx = createExportContext(createSeededRandom(options.seed ^ 0x27d4eb2f));
  return {
    policies: tenantContents.map((c) => decoratePolicy(c, ctx)),
    expected: {
      changedSettings: changes.changedSettings.length,
      removedPolicies: changes.removedPolicies.length,
      addedPolicies: changes.addedPolicies.length,
      renamedVersionBumps: changes.renamedVersionBumps.length,
    },
    changes,
  };
}

// ---------------------------------------------------------------------------------------------
// Writing export folders
// ---------------------------------------------------------------------------------------------

/**
 * The Intune Management export sub-folder of a policy, with `/` separators, e.g.
 * `WINDOWS/IntuneManagement/SettingsCatalog`.
 * @param policy - a policy object
 */
export function exportFolderFor(policy: SamplePolicy): string {
  const type = policy["@odata.type"];
  switch (type) {
    case T.configurationPolicy: {
      const platforms = String(policy["platforms"] ?? "").toLowerCase();
      return platforms.includes("macos")
        ? "MACOS/IntuneManagement/SettingsCatalog"
        : "WINDOWS/IntuneManagement/SettingsCatalog";
    }
    case T.windowsCompliance:
      return "WINDOWS/IntuneManagement/CompliancePolicies";
    case T.macCompliance:
      return "MACOS/IntuneManagement/CompliancePolicies";
    case T.updateRing:
      return "WINDOWS/IntuneManagement/UpdatePolicies";
    case T.iosProtection:
    case T.androidProtection:
      return "BYOD/AppProtection";
    default: {
      if (typeof type === "string" && type.startsWith(`${NS}macOS`))
        return "MACOS/IntuneManagement/DeviceConfiguration";
      return "WINDOWS/IntuneManagement/DeviceConfiguration";
    }
  }
}

/**
 * A policy's display name turned into a safe file name stem: characters invalid in Windows file
 * names (`<>:"/\|?*` and control characters) become `_`, trailing dots and spaces are trimmed.
 * @param name - the display name
 */
export function sanitizeFileName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is replaced
  const cleaned = name.replace(/[<>:"/\\|?*\u0000-\u001f]/g, "_").replace(/[. ]+$/, "");
  return cleaned === "" ? "_" : cleaned;
}

function powerShellString(value: string): string {
  return JSON.stringify(value)
    .replace(/'/g, "\\u0027")
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026");
}

/** Serialises like Windows PowerShell 5.1 `ConvertTo-Json`: `"key":  value`, nested blocks aligned to their opening bracket. */
function powerShellJson(value: JsonValue, column: number): string {
  const pad = (n: number): string => " ".repeat(n);
  if (Array.isArray(value)) {
    if (value.length === 0) return `[\n\n${pad(column)}]`;
    const items = value.map((v) => pad(column + 4) + powerShellJson(v, column + 4));
    return `[\n${items.join(",\n")}\n${pad(column)}]`;
  }
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return `{\n\n${pad(column)}}`;
    const lines = entries.map(([k, v]) => {
      const prefix = `${powerShellString(k)}:  `;
      return pad(column + 4) + prefix + powerShellJson(v, column + 4 + prefix.length);
    });
    return `{\n${lines.join(",\n")}\n${pad(column)}}`;
  }
  if (typeof value === "string") return powerShellString(value);
  return JSON.stringify(value);
}

type ConcreteEncoding = "utf8" | "utf8bom" | "utf16le";

function encodeText(text: string, encoding: ConcreteEncoding): Buffer {
  if (encoding === "utf8") return Buffer.from(text, "utf8");
  const crlf = text.replace(/\r?\n/g, "\r\n");
  if (encoding === "utf8bom") return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(crlf, "utf8")]);
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(crlf, "utf16le")]);
}

const MIXED_CYCLE: readonly ConcreteEncoding[] = ["utf16le", "utf8", "utf8bom"];

function malformedContent(
  index: number,
  sample: SamplePolicy | undefined,
): { folder: string; name: string; bytes: Buffer } {
  const variant = index % 3;
  const folder = sample ? exportFolderFor(sample) : "WINDOWS/IntuneManagement/SettingsCatalog";
  const name = `_incomplete-export-${index + 1}.json`;
  const text = sample
    ? `${powerShellJson(sample, 0)}\n`
    : '{\n    "@odata.type":  "#microsoft.graph.deviceManagementConfigurationPolicy",\n    "name":  "Interrupted"\n}\n';
  if (variant === 0) {
    // Export interrupted mid-write: UTF-16LE with BOM, cut off in the middle of the settings.
    const full = encodeText(text, "utf16le");
    const cut = Math.max(2, Math.floor(full.length / 3) & ~1);
    return { folder, name, bytes: full.subarray(0, cut) };
  }
  if (variant === 1) {
    // UTF-8 bytes labelled as UTF-16LE (as through a misconfigured working-tree filter): mojibake.
    const utf8 = Buffer.from(text, "utf8");
    return { folder, name, bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), utf8.subarray(0, utf8.length & ~1)]) };
  }
  // Valid JSON, but not a policy object (a companion file whose top-level value is a string).
  return { folder, name, bytes: encodeText('"Settings exported separately; see companion file."\n', "utf16le") };
}

/**
 * Writes policies in the Intune Management export layout under `dir` (created if missing):
 * `WINDOWS/IntuneManagement/{SettingsCatalog,CompliancePolicies,DeviceConfiguration,UpdatePolicies}`,
 * `MACOS/IntuneManagement/{SettingsCatalog,CompliancePolicies}` and `BYOD/AppProtection`, one file
 * per policy named after its display name (sanitised) plus `.json`. A name repeated in one folder
 * (compared case-insensitively, as on Windows) gets ` (2)`, ` (3)`, … so nothing is overwritten.
 * @param dir - the export root folder
 * @param policies - the policies to write
 * @param options - encoding, JSON style and number of malformed extra files
 * @returns the relative paths written
 */
export async function writeExportFolder(
  dir: string,
  policies: readonly SamplePolicy[],
  options: WriteExportOptions = {},
): Promise<WrittenExport> {
  const encoding = options.encoding ?? "utf16le";
  const style = options.jsonStyle ?? "powershell";
  const malformed = validateCount("malformedFiles", options.malformedFiles);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const used = new Set<string>();
  const result: WrittenExport = { policyFiles: [], malformedFiles: [] };
  const write = async (folder: string, fileName: string, bytes: Buffer): Promise<string> => {
    const stem = fileName.replace(/\.json$/i, "");
    let candidate = `${folder}/${stem}.json`;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${folder}/${stem} (${n}).json`;
    used.add(candidate.toLowerCase());
    const target = path.join(dir, ...candidate.split("/"));
    await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, bytes);
    return candidate;
  };
  for (const [index, policy] of policies.entries()) {
    const concrete: ConcreteEncoding =
      encoding === "mixed" ? (MIXED_CYCLE[index % MIXED_CYCLE.length] ?? "utf8") : encoding;
    const plain = style === "plain" || (style === "mixed" && index % 2 === 1);
    const text = plain ? `${JSON.stringify(policy, null, 2)}\n` : `${powerShellJson(policy, 0)}\n`;
    const name = sanitizeFileName(policyName(policy) || `policy-${index + 1}`);
    result.policyFiles.push(await write(exportFolderFor(policy), `${name}.json`, encodeText(text, concrete)));
  }
  for (let i = 0; i < malformed; i++) {
    const sample = policies.length > 0 ? policies[i % policies.length] : undefined;
    const bad = malformedContent(i, sample);
    result.malformedFiles.push(await write(bad.folder, bad.name, bad.bytes));
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Demo set
// ---------------------------------------------------------------------------------------------

interface DemoTenantSpec {
  name: string;
  displayName: string;
  drift: DriftPlan;
  encoding: ExportEncoding;
  jsonStyle: ExportJsonStyle;
  malformedFiles: number;
}

/** The customer tenants of the demo set and their deliberate drift. */
const DEMO_CUSTOMERS: readonly DemoTenantSpec[] = [
  {
    name: "fabrikam",
    displayName: "Fabrikam, Inc.",
    drift: {},
    encoding: "mixed",
    jsonStyle: "mixed",
    malformedFiles: 0,
  },
  {
    name: "northwind",
    displayName: "Northwind Traders",
    drift: { changedSettings: 3, removedPolicies: 1 },
    encoding: "utf16le",
    jsonStyle: "powershell",
    malformedFiles: 0,
  },
  {
    name: "tailspin",
    displayName: "Tailspin Toys",
    drift: { renamedVersionBumps: 1, addedPolicies: 1, reorderSettings: true },
    encoding: "utf16le",
    jsonStyle: "powershell",
    malformedFiles: 0,
  },
  {
    name: "adatum",
    displayName: "Adatum Corporation",
    drift: { changedSettings: 1 },
    encoding: "utf8",
    jsonStyle: "powershell",
    malformedFiles: 1,
  },
];

/**
 * Writes the ready-made demo set under `rootDir`: `contoso-baseline/` (the baseline source tenant)
 * and four customer tenants — `fabrikam/` (noise only, zero drift, mixed encodings and JSON styles), `northwind/`
 * (3 changed settings, 1 removed policy), `tailspin/` (1 version-bump rename, 1 added policy,
 * reordered settings) and `adatum/` (1 changed setting plus 1 unreadable file, for a
 * `partially_succeeded` compare). Each tenant folder is deleted and rewritten, so stale files from
 * an earlier run never skew the counts; nothing else under `rootDir` is touched.
 * @param rootDir - folder to write into (created if missing)
 * @param seed - defaults to {@link DEFAULT_DEMO_SEED}
 * @returns the tenants (baseline source first) with their expected drift
 */
export async function createDemoTenants(rootDir: string, seed: number = DEFAULT_DEMO_SEED): Promise<DemoTenantSet> {
  await mkdir(rootDir, { recursive: true, mode: 0o755 });
  const baseline = generateSampleBaseline(seed);
  const ids = createSeededRandom(seed ^ 0x1b873593);
  const tenants: DemoTenant[] = [];
  const baselineDir = path.resolve(rootDir, "contoso-baseline");
  await rm(baselineDir, { recursive: true, force: true });
  const baselineWritten = await writeExportFolder(baselineDir, baseline, { encoding: "utf16le" });
  tenants.push({
    name: "contoso-baseline",
    displayName: "Contoso (baseline source)",
    tenantId: ids.guid(),
    role: "baseline_source",
    dir: baselineDir,
    expected: { changedSettings: 0, removedPolicies: 0, addedPolicies: 0, renamedVersionBumps: 0 },
    changes: { changedSettings: [], removedPolicies: [], addedPolicies: [], renamedVersionBumps: [] },
    policyCount: baselineWritten.policyFiles.length,
    malformedFiles: 0,
    encoding: "utf16le",
  });
  for (const [index, spec] of DEMO_CUSTOMERS.entries()) {
    const tenant = generateSampleTenant(baseline, { seed: (seed + (index + 1) * 7919) >>> 0, drift: spec.drift });
    const dir = path.resolve(rootDir, spec.name);
    await rm(dir, { recursive: true, force: true });
    const written = await writeExportFolder(dir, tenant.policies, {
      encoding: spec.encoding,
      jsonStyle: spec.jsonStyle,
      malformedFiles: spec.malformedFiles,
    });
    tenants.push({
      name: spec.name,
      displayName: spec.displayName,
      tenantId: ids.guid(),
      role: "customer",
      dir,
      expected: tenant.expected,
      changes: tenant.changes,
      policyCount: written.policyFiles.length,
      malformedFiles: written.malformedFiles.length,
      encoding: spec.encoding,
    });
  }
  return { tenants };
}
