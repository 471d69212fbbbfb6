/**
 * Finds what the offline Terraform checks need on this machine: a local plugin directory holding
 * hashicorp/aws 5.x (for `terraform init -plugin-dir`, no registry access) and the CloudFormation
 * schema directory. Nothing is hard-coded to one machine: environment overrides first, then the
 * well-known places, then a shallow search.
 */
import { readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const PROVIDER_HOST_PATH = join("registry.terraform.io", "hashicorp", "aws");

/** Terraform's os_arch name for this machine, e.g. linux_amd64. */
export function terraformPlatform(platform: string = process.platform, arch: string = process.arch): string {
  const os = platform === "win32" ? "windows" : platform;
  const cpu = arch === "x64" ? "amd64" : arch === "ia32" ? "386" : arch;
  return `${os}_${cpu}`;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function list(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The hashicorp/aws versions of the wanted major that `dir` holds for `platform`, in either
 * filesystem-mirror layout: unpacked (<host>/<ns>/<type>/<version>/<os_arch>/terraform-provider-aws*)
 * or packed (<host>/<ns>/<type>/terraform-provider-aws_<version>_<os_arch>.zip). Highest first.
 */
export function awsProviderVersions(dir: string, platform: string, major = 5): string[] {
  const base = join(dir, PROVIDER_HOST_PATH);
  const versions = new Set<string>();
  for (const entry of list(base)) {
    if (/^\d+\.\d+\.\d+$/.test(entry) && Number(entry.split(".")[0]) === major) {
      const files = list(join(base, entry, platform));
      if (files.some((f) => f.startsWith("terraform-provider-aws"))) versions.add(entry);
    }
    const packed = /^terraform-provider-aws_(\d+\.\d+\.\d+)_(.+)\.zip$/.exec(entry);
    if (packed && packed[2] === platform && Number(packed[1]!.split(".")[0]) === major)
      versions.add(packed[1]!);
  }
  return [...versions].sort(compareVersions).reverse();
}

/** Directories worth a look, most specific first. */
export function candidatePluginDirs(env: NodeJS.ProcessEnv, home: string = homedir()): string[] {
  const dirs = [
    env.TF_PLUGIN_CACHE_DIR,
    join(home, ".terraform.d", "plugins"),
    join(home, ".terraform.d", "plugin-cache"),
    env.XDG_DATA_HOME ? join(env.XDG_DATA_HOME, "terraform", "plugins") : undefined,
    join(home, ".local", "share", "terraform", "plugins"),
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
    "/usr/lib/terraform/plugins",
    "/opt/terraform/plugins",
    "/opt/terraform-plugins",
    "/opt/tf-plugins",
    env.APPDATA ? join(env.APPDATA, "terraform.d", "plugins") : undefined,
  ];
  return dirs.filter((d): d is string => typeof d === "string" && d.length > 0);
}

/** Breadth-first search (bounded depth) for directories that contain registry.terraform.io/hashicorp/aws. */
export function searchPluginDirs(roots: string[], maxDepth = 3): string[] {
  const found: string[] = [];
  const skip = new Set(["node_modules", ".git", "proc", "sys", "dev"]);
  let level = roots.filter(isDir);
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (isDir(join(dir, PROVIDER_HOST_PATH))) {
        found.push(dir);
        continue;
      }
      if (depth === maxDepth) continue;
      for (const entry of list(dir)) {
        if (skip.has(entry)) continue;
        const child = join(dir, entry);
        if (isDir(child)) next.push(child);
      }
      if (next.length > 5000) break;
    }
    level = next;
  }
  return found;
}

export interface PluginDir {
  dir: string;
  version: string;
  source: string;
}

/**
 * The plugin directory to pass to `terraform init -plugin-dir`. TF_PLUGIN_DIR wins (and must be
 * valid); otherwise the well-known places, then a shallow search of /opt, /usr/local, /usr/share,
 * /srv, /var/lib and the home directory. Throws with the places it looked when there is none.
 */
export function findPluginDir(
  env: NodeJS.ProcessEnv = process.env,
  options: { platform?: string; home?: string; candidates?: string[]; searchRoots?: string[] } = {},
): PluginDir {
  const platform = options.platform ?? terraformPlatform();
  const home = options.home ?? homedir();
  if (env.TF_PLUGIN_DIR) {
    const dir = resolve(env.TF_PLUGIN_DIR);
    const [version] = awsProviderVersions(dir, platform);
    if (!version) {
      throw new Error(
        `TF_PLUGIN_DIR=${env.TF_PLUGIN_DIR} holds no hashicorp/aws 5.x provider for ${platform} ` +
          `(expected ${join(dir, PROVIDER_HOST_PATH, "<5.x.y>", platform, "terraform-provider-aws_*")} or the packed .zip layout).`,
      );
    }
    return { dir, version, source: "TF_PLUGIN_DIR" };
  }
  const candidates = options.candidates ?? candidatePluginDirs(env, home);
  for (const dir of candidates) {
    const [version] = awsProviderVersions(dir, platform);
    if (version) return { dir, version, source: "well-known location" };
  }
  const roots = options.searchRoots ?? [
    "/opt",
    "/usr/local",
    "/usr/share",
    "/usr/lib",
    "/srv",
    "/var/lib",
    home,
  ];
  for (const dir of searchPluginDirs(roots)) {
    const [version] = awsProviderVersions(dir, platform);
    if (version) return { dir, version, source: "search" };
  }
  throw new Error(
    `no local Terraform plugin directory with hashicorp/aws 5.x for ${platform} was found. Looked in: ` +
      `${[...candidates, ...roots.map((r) => `${r}/**`)].join(", ")}. ` +
      "Set TF_PLUGIN_DIR to a directory laid out as registry.terraform.io/hashicorp/aws/<version>/<os_arch>/ " +
      "(for example one filled by `terraform providers mirror`).",
  );
}

/**
 * The CloudFormation schema directory: CFN_SCHEMA_DIR, else ../shared/cfn-schemas beside the
 * repository when it is there (the team's shared copy), else the copy kept in the repository
 * (test/fixtures/cfn-schemas), so a clean clone validates offline.
 */
export function findSchemaDir(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const hasSchemas = (d: string): boolean => isDir(d) && list(d).some((f) => f.endsWith(".json"));
  const shared = resolve(repoRoot, "..", "shared", "cfn-schemas");
  const dir = env.CFN_SCHEMA_DIR
    ? resolve(env.CFN_SCHEMA_DIR)
    : hasSchemas(shared)
      ? shared
      : resolve(repoRoot, "test", "fixtures", "cfn-schemas");
  if (!isDir(dir) || !list(dir).some((f) => f.endsWith(".json"))) {
    throw new Error(
      `no CloudFormation schemas in ${dir}${env.CFN_SCHEMA_DIR ? " (CFN_SCHEMA_DIR)" : ""}: restore ` +
        "test/fixtures/cfn-schemas or set CFN_SCHEMA_DIR to the folder with AWS__BedrockAgentCore__*.json.",
    );
  }
  return dir;
}

export interface LockedProvider {
  /** registry.terraform.io/hashicorp/aws */
  source: string;
  version: string;
  constraints: string | undefined;
  hashes: string[];
}

/** The providers of a .terraform.lock.hcl (the subset of HCL `terraform providers lock` writes). */
export function parseLockFile(text: string): LockedProvider[] {
  const providers: LockedProvider[] = [];
  const block = /provider\s+"([^"]+)"\s*\{([\s\S]*?)\n\}/g;
  for (const [, source, body] of text.matchAll(block)) {
    const attr = (name: string): string | undefined =>
      new RegExp(`^\\s*${name}\\s*=\\s*"([^"]*)"`, "m").exec(body ?? "")?.[1];
    const hashList = /hashes\s*=\s*\[([\s\S]*?)\]/.exec(body ?? "")?.[1] ?? "";
    providers.push({
      source: source ?? "",
      version: attr("version") ?? "",
      constraints: attr("constraints"),
      hashes: [...hashList.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? ""),
    });
  }
  return providers;
}

/** The version constraint of hashicorp/aws in a versions.tf required_providers block. */
export function awsProviderConstraint(versionsTf: string): string | undefined {
  const aws = /aws\s*=\s*\{([\s\S]*?)\}/.exec(versionsTf)?.[1] ?? "";
  return /version\s*=\s*"([^"]+)"/.exec(aws)?.[1];
}

/**
 * What is wrong with the committed lock file for an offline `terraform init -lockfile=readonly`
 * against `pluginVersions` (the hashicorp/aws versions the local plugin directory holds), or [].
 */
export function lockFileProblems(
  lockText: string | undefined,
  versionsTf: string,
  pluginVersions: readonly string[],
): string[] {
  if (lockText === undefined)
    return [
      "terraform/.terraform.lock.hcl is missing: run terraform providers lock (docs/deploy.md) and commit it",
    ];
  const aws = parseLockFile(lockText).find((p) => p.source === "registry.terraform.io/hashicorp/aws");
  if (!aws) return ["terraform/.terraform.lock.hcl does not pin registry.terraform.io/hashicorp/aws"];
  const problems: string[] = [];
  const constraint = awsProviderConstraint(versionsTf);
  if (aws.constraints !== constraint)
    problems.push(
      `the lock file was made for the constraint "${aws.constraints ?? "(none)"}", versions.tf now says "${constraint ?? "(none)"}": lock again`,
    );
  if (aws.hashes.length === 0) problems.push("the lock file pins hashicorp/aws without a checksum");
  if (!pluginVersions.includes(aws.version))
    problems.push(
      `the lock file pins hashicorp/aws ${aws.version}, the local plugin directory holds ${pluginVersions.join(", ") || "no 5.x version"}: ` +
        "put that version in the plugin directory, or lock again against it",
    );
  return problems;
}
