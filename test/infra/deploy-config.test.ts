/**
 * Static checks of the deployment files that Terraform and GitHub cannot check themselves: the
 * provider floor and its lock file, the Gateway tool-name limit against the real tool names, the
 * image workflow's pins and refs against the OIDC trust, the Dockerfile's base image, the state
 * backend. (terraform test under terraform/tests checks what a plan shows; scripts/test-infra.ts runs
 * it and terraform init -lockfile=readonly against the committed lock file.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { awsProviderConstraint, lockFileProblems, parseLockFile } from "../../scripts/lib/terraform-env.js";
import { TOOLS } from "../../src/mcp/tools/index.js";

const ROOT = join(import.meta.dirname, "..", "..");
const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

/** Bedrock's limit on a tool name, which the Gateway builds as <target>___<tool>. */
const TOOL_NAME_LIMIT = 64;

function versionAtLeast(version: string, floor: string): boolean {
  const a = version.split(".").map(Number);
  const b = floor.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

describe("the AWS provider", () => {
  const versionsTf = read("terraform/versions.tf");
  const lock = read("terraform/.terraform.lock.hcl");

  it("requires 5.81.0 or later (5.80.x still requires thumbprint_list, which ci.tf leaves out)", () => {
    expect(awsProviderConstraint(versionsTf)).toBe(">= 5.81.0, < 6.0.0");
    expect(read("terraform/ci.tf")).not.toMatch(/thumbprint_list/);
  });

  it("is pinned by the committed lock file, to a version the constraint admits, with a checksum", () => {
    const [aws, ...others] = parseLockFile(lock);
    expect(others).toEqual([]);
    expect(aws).toMatchObject({
      source: "registry.terraform.io/hashicorp/aws",
      constraints: awsProviderConstraint(versionsTf),
    });
    expect(
      versionAtLeast(aws?.version ?? "0", "5.81.0") && !versionAtLeast(aws?.version ?? "0", "6.0.0"),
    ).toBe(true);
    expect(aws?.hashes.length).toBeGreaterThan(0);
    expect(lockFileProblems(lock, versionsTf, [aws?.version ?? ""])).toEqual([]);
    expect(read(".gitignore")).toContain("!terraform/.terraform.lock.hcl");
  });

  it("says what is wrong with a lock file that does not fit", () => {
    expect(lockFileProblems(undefined, versionsTf, ["5.100.0"])).toEqual([
      expect.stringContaining(".terraform.lock.hcl is missing"),
    ]);
    const stale = lock.replace('constraints = ">= 5.81.0, < 6.0.0"', 'constraints = ">= 5.80.0, < 6.0.0"');
    expect(lockFileProblems(stale, versionsTf, ["5.100.0"])).toEqual([
      'the lock file was made for the constraint ">= 5.80.0, < 6.0.0", versions.tf now says ">= 5.81.0, < 6.0.0": lock again',
    ]);
    expect(lockFileProblems(lock, versionsTf, ["5.99.0"])).toEqual([
      expect.stringContaining(
        "the lock file pins hashicorp/aws 5.100.0, the local plugin directory holds 5.99.0",
      ),
    ]);
  });
});

describe("Gateway tool names (<target>___<tool>, at most 64 characters)", () => {
  const names = TOOLS.map((t) => t.name);
  const longest = [...names].sort((a, b) => b.length - a.length || a.localeCompare(b))[0] ?? "";
  const variablesTf = read("terraform/variables.tf");
  const literal = /length\("\$\{var\.gateway_target_name\}___([a-z_]+)"\) <= (\d+)/.exec(variablesTf);

  it("terraform validates the target name against the longest tool name", () => {
    expect(literal, "the gateway_target_name validation in terraform/variables.tf").not.toBeNull();
    expect(literal?.[1], "the tool name in the validation must be the longest one").toBe(longest);
    expect(Number(literal?.[2])).toBe(TOOL_NAME_LIMIT);
    const maxTarget = TOOL_NAME_LIMIT - 3 - longest.length;
    expect(variablesTf).toContain(`at most ${maxTarget} characters`);
  });

  it("every tool fits with the default target name and with the longest one terraform accepts", () => {
    const defaultTarget = /variable "gateway_target_name" \{[\s\S]*?default\s*=\s*"([^"]+)"/.exec(
      variablesTf,
    )?.[1];
    expect(defaultTarget).toBe("orgs");
    const maxTarget = "t".repeat(TOOL_NAME_LIMIT - 3 - longest.length);
    for (const target of [defaultTarget ?? "", maxTarget])
      for (const name of names)
        expect(`${target}___${name}`.length, name).toBeLessThanOrEqual(TOOL_NAME_LIMIT);
  });
});

describe("the image workflow", () => {
  const workflows = [".github/workflows/image.yml", ".github/workflows/test.yml"];

  it("pins every action by commit SHA, with the version in a trailing comment", () => {
    for (const file of workflows) {
      const uses = [...read(file).matchAll(/^\s*-?\s*uses:\s*(.+)$/gm)].map((m) => m[1]?.trim() ?? "");
      expect(uses.length, file).toBeGreaterThan(0);
      for (const u of uses)
        expect(u, `${file}: ${u}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  it("runs on exactly the refs the push role trusts (terraform/ci.tf)", () => {
    const doc = parseYaml(read(".github/workflows/image.yml")) as {
      on: { push: { branches: string[]; tags: string[] }; workflow_dispatch?: unknown };
      jobs: Record<string, { if?: string }>;
    };
    const workflowRefs = [
      ...doc.on.push.branches.map((b) => `refs/heads/${b}`),
      ...doc.on.push.tags.map((t) => `refs/tags/${t}`),
    ];
    const trusted = /image_workflow_refs\s*=\s*\[([^\]]*)\]/.exec(read("terraform/ci.tf"))?.[1] ?? "";
    expect([...trusted.matchAll(/"([^"]+)"/g)].map((m) => m[1])).toEqual(workflowRefs);
    expect(read("terraform/ci.tf")).toMatch(
      /for ref in local\.image_workflow_refs : "repo:\$\{var\.github_repository\}:ref:\$\{ref\}"/,
    );
    // A manual run may name any branch: the job refuses what the trust would refuse.
    expect(doc.on).toHaveProperty("workflow_dispatch");
    expect(doc.jobs["push"]?.if).toBe(
      "github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/v')",
    );
  });
});

describe("the Dockerfile's base image", () => {
  const dockerfile = read("Dockerfile");
  const pushImage = read("scripts/push-image.sh");

  it("comes from one NODE_IMAGE argument in every stage", () => {
    const froms = [...dockerfile.matchAll(/^FROM\s+(.+)$/gm)].map((m) => m[1] ?? "");
    expect(froms.length).toBe(2);
    for (const from of froms) expect(from).toMatch(/^--platform=\$\w+ \$\{NODE_IMAGE\} AS \w+$/);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:22-bookworm-slim$/m);
  });

  it("is pinned by digest in every pushed build", () => {
    expect(pushImage).toContain('--build-arg "NODE_IMAGE=$base_image"');
    expect(pushImage).toContain(
      "docker buildx imagetools inspect \"$base_image\" --format '{{.Manifest.Digest}}'",
    );
    expect(pushImage).toMatch(/\[\[ "\$base_image" =~ @sha256:\[a-f0-9\]\{64\}\$ \]\] \|\| die/);
    expect(read(".github/workflows/image.yml")).toContain("steps.push.outputs.base_image");
  });
});

describe("the Terraform state", () => {
  it("goes to an encrypted S3 backend (it holds the Cognito client secrets)", () => {
    const backend = read("terraform/backend.tf");
    expect(backend).toMatch(/backend "s3" \{\s*encrypt = true\s*\}/);
    const example = read("terraform/backend.hcl.example");
    for (const key of ["bucket", "key", "region", "use_lockfile"])
      expect(example).toMatch(new RegExp(`^${key}\\s*=`, "m"));
  });
});
