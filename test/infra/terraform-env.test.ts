import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  awsProviderVersions,
  candidatePluginDirs,
  findPluginDir,
  findSchemaDir,
  searchPluginDirs,
  terraformPlatform,
} from "../../scripts/lib/terraform-env.js";

let root: string;

function unpacked(dir: string, version: string, platform = "linux_amd64"): void {
  const path = join(dir, "registry.terraform.io", "hashicorp", "aws", version, platform);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, `terraform-provider-aws_v${version}_x5`), "");
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tf-env-"));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("terraformPlatform", () => {
  it("maps Node's names to Terraform's", () => {
    expect(terraformPlatform("linux", "x64")).toBe("linux_amd64");
    expect(terraformPlatform("darwin", "arm64")).toBe("darwin_arm64");
    expect(terraformPlatform("win32", "x64")).toBe("windows_amd64");
  });
});

describe("awsProviderVersions", () => {
  it("reads the unpacked and the packed layouts, 5.x only, highest first", () => {
    unpacked(root, "5.9.0");
    unpacked(root, "5.100.0");
    unpacked(root, "6.0.0");
    unpacked(root, "5.50.0", "darwin_arm64");
    writeFileSync(
      join(
        root,
        "registry.terraform.io",
        "hashicorp",
        "aws",
        "terraform-provider-aws_5.101.0_linux_amd64.zip",
      ),
      "",
    );
    expect(awsProviderVersions(root, "linux_amd64")).toEqual(["5.101.0", "5.100.0", "5.9.0"]);
  });

  it("ignores a version directory without the binary", () => {
    mkdirSync(join(root, "registry.terraform.io", "hashicorp", "aws", "5.1.0", "linux_amd64"), {
      recursive: true,
    });
    expect(awsProviderVersions(root, "linux_amd64")).toEqual([]);
  });
});

describe("findPluginDir", () => {
  const noWhere = { platform: "linux_amd64", searchRoots: [] as string[], candidates: [] as string[] };

  it("prefers TF_PLUGIN_DIR", () => {
    unpacked(join(root, "mine"), "5.100.0");
    expect(
      findPluginDir({ TF_PLUGIN_DIR: join(root, "mine") }, { ...noWhere, home: join(root, "home") }),
    ).toEqual({
      dir: join(root, "mine"),
      version: "5.100.0",
      source: "TF_PLUGIN_DIR",
    });
  });

  it("fails loudly when TF_PLUGIN_DIR holds no provider", () => {
    expect(() => findPluginDir({ TF_PLUGIN_DIR: root }, { ...noWhere, home: root })).toThrow(
      /TF_PLUGIN_DIR=.* holds no hashicorp\/aws 5.x provider for linux_amd64/,
    );
  });

  it("finds the well-known user directory", () => {
    const home = join(root, "home");
    unpacked(join(home, ".terraform.d", "plugins"), "5.80.0");
    const candidates = candidatePluginDirs({}, home).filter((d) => d.startsWith(home));
    expect(candidates).toContain(join(home, ".terraform.d", "plugins"));
    expect(findPluginDir({}, { ...noWhere, home, candidates })).toMatchObject({
      version: "5.80.0",
      source: "well-known location",
    });
  });

  it("searches a few levels below the search roots", () => {
    unpacked(join(root, "opt", "vendor", "tf-providers"), "5.90.0");
    expect(
      findPluginDir({}, { ...noWhere, home: join(root, "home"), searchRoots: [join(root, "opt")] }),
    ).toEqual({
      dir: join(root, "opt", "vendor", "tf-providers"),
      version: "5.90.0",
      source: "search",
    });
    expect(searchPluginDirs([join(root, "opt")], 1)).toEqual([]);
  });

  it("says where it looked when there is nothing", () => {
    expect(() => findPluginDir({}, { ...noWhere, home: join(root, "home") })).toThrow(/Set TF_PLUGIN_DIR/);
  });
});

describe("findSchemaDir", () => {
  it("uses CFN_SCHEMA_DIR, else ../shared/cfn-schemas when present, else the copy in test/fixtures", () => {
    const shared = join(root, "shared", "cfn-schemas");
    const kept = join(root, "repo", "test", "fixtures", "cfn-schemas");
    mkdirSync(kept, { recursive: true });
    writeFileSync(join(kept, "AWS__BedrockAgentCore__Runtime.json"), "{}");
    expect(findSchemaDir(join(root, "repo"), {})).toBe(kept);
    mkdirSync(shared, { recursive: true });
    writeFileSync(join(shared, "AWS__BedrockAgentCore__Runtime.json"), "{}");
    expect(findSchemaDir(join(root, "repo"), {})).toBe(shared);
    expect(findSchemaDir("/nowhere", { CFN_SCHEMA_DIR: shared })).toBe(shared);
    expect(() => findSchemaDir(join(root, "repo"), { CFN_SCHEMA_DIR: join(root, "repo") })).toThrow(
      /no CloudFormation schemas/,
    );
  });
});
