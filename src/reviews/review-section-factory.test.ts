import { describe, expect, it } from "vitest";
import { SECRET_MARKER } from "../baselines/drift/normalize-policy.js";
import {
  isSecretSettingPath,
  MAX_DISPLAY_VALUE_LENGTH,
  toDisplayValue,
  toFailureReason,
  toSettingLabel,
} from "./review-section-factory.js";

describe("toDisplayValue", () => {
  it.each([null, undefined, "", []])("shows %j as absent", (value) => {
    expect(toDisplayValue(value)).toEqual({ kind: "absent" });
  });

  it.each([SECRET_MARKER, { value: SECRET_MARKER }, [{ omaUri: "./x", value: SECRET_MARKER }]])(
    "redacts a value holding the normaliser's secret marker: %j",
    (value) => {
      expect(toDisplayValue(value)).toEqual({ kind: "redacted" });
    },
  );

  it("redacts any value of a secret setting, whatever it holds", () => {
    expect(toDisplayValue("hunter2", { secret: true })).toEqual({ kind: "redacted" });
    expect(toDisplayValue(false, { secret: true })).toEqual({ kind: "redacted" });
  });

  it("shows scalars and lists as text and truncates long values", () => {
    expect(toDisplayValue(false)).toEqual({ kind: "value", text: "false" });
    expect(toDisplayValue(["a", "b"])).toEqual({ kind: "value", text: "a, b" });
    const long = toDisplayValue("x".repeat(5_000));
    expect(long.kind === "value" && long.text.length).toBe(MAX_DISPLAY_VALUE_LENGTH);
    expect(long.kind === "value" && long.text.endsWith("…")).toBe(true);
  });

  it("shows a choice value's option instead of the definition id it repeats", () => {
    const id = "device_vendor_msft_policy_config_defender_allowarchivescanning";
    expect(toDisplayValue(`${id}_1`, { settingId: id })).toEqual({ kind: "value", text: "1" });
  });
});

describe("isSecretSettingPath", () => {
  it.each([
    "device_vendor_msft_laps_policies_administratoraccountpassword",
    "omaSettings/./Device/Vendor/MSFT/WiFi/Profile/PreSharedKey",
    "wiFiPreSharedKey",
    "certificatePrivateKey",
    "settings/vpn_sharedsecret",
    "passwords",
    "device_vendor_msft_x_accesstoken",
  ])("treats %s as secret", (path) => {
    expect(isSecretSettingPath(path)).toBe(true);
  });

  it.each([
    "device_vendor_msft_policy_config_defender_allowarchivescanning",
    "device_vendor_msft_policy_config_defender_attacksurfacereductionrules_blockcredentialstealingfromwindowslocalsecurityauthoritysubsystem",
    "passwordMinimumLength",
    "description",
  ])("does not treat %s as secret", (path) => {
    expect(isSecretSettingPath(path)).toBe(false);
  });
});

describe("toSettingLabel", () => {
  it("drops CSP prefixes and the parent's shared prefix", () => {
    expect(toSettingLabel("device_vendor_msft_policy_config_defender_allowarchivescanning")).toBe(
      "Defender allowarchivescanning",
    );
    expect(
      toSettingLabel(
        "device_vendor_msft_policy_config_defender_attacksurfacereductionrules/device_vendor_msft_policy_config_defender_attacksurfacereductionrules_blockwebshellcreation",
      ),
    ).toBe("Defender attacksurfacereductionrules › Blockwebshellcreation");
  });

  it("splits camel case property paths", () => {
    expect(toSettingLabel("passwordRequiredType")).toBe("Password required type");
    expect(toSettingLabel("")).toBe("Setting");
  });
});

describe("toFailureReason", () => {
  it("uses the catalog sentence of a known code, else the stored operator-safe message, else the generic sentence", () => {
    expect(toFailureReason("evidence_source_unreachable", "ignored")).toBe(
      "The tenant's evidence source could not be read.",
    );
    expect(toFailureReason("legacy_code", "The export was too old.")).toBe("The export was too old.");
    expect(toFailureReason(null, null)).toBe("The operation failed unexpectedly. The details were recorded.");
  });
});
