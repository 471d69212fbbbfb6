import { describe, expect, it } from "vitest";
import { describePrincipal, evaluate, parseArn } from "../../src/policy/index.js";

describe("describePrincipal", () => {
  it("reads an assumed-role session ARN as its role ARN, without the path it cannot know", () => {
    const p = describePrincipal("arn:aws:sts::123456789012:assumed-role/RoleName/session");
    expect(p).toMatchObject({
      kind: "assumed-role",
      principalArn: "arn:aws:iam::123456789012:role/RoleName",
      account: "123456789012",
      partition: "aws",
      roleName: "RoleName",
      sessionName: "session",
      isServiceLinkedRole: false,
    });
    expect(p.notes[0]).toContain("Session ARNs do not carry the role's path");
  });

  it("keeps session names that contain slashes or @", () => {
    const p = describePrincipal("arn:aws-cn:sts::123456789012:assumed-role/R/alice@example.com");
    expect(p).toMatchObject({
      principalArn: "arn:aws-cn:iam::123456789012:role/R",
      sessionName: "alice@example.com",
    });
  });

  it("recognises service-linked roles by their /aws-service-role/ path only", () => {
    expect(
      describePrincipal(
        "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
      ),
    ).toMatchObject({
      kind: "service-linked-role",
      isServiceLinkedRole: true,
      roleName: "AWSServiceRoleForECS",
    });
    const session = describePrincipal("arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForECS/ecs");
    expect(session.isServiceLinkedRole).toBe(false);
    expect(session.notes.join(" ")).toContain("looks like a service-linked role");
  });

  it("classifies roots, users, roles with paths, federated users and the rest", () => {
    expect(describePrincipal("arn:aws:iam::123456789012:root").kind).toBe("root");
    expect(describePrincipal("arn:aws:iam::123456789012:user/dev/alice").kind).toBe("iam-user");
    expect(describePrincipal("arn:aws:iam::123456789012:role/admins/Admin")).toMatchObject({
      kind: "iam-role",
      principalArn: "arn:aws:iam::123456789012:role/admins/Admin",
      roleName: "Admin",
    });
    expect(describePrincipal("arn:aws:sts::123456789012:federated-user/bob").kind).toBe("federated-user");
    const odd = describePrincipal("alice");
    expect(odd).toMatchObject({ kind: "other", principalArn: "alice" });
    expect(odd.notes[0]).toContain("not an ARN");
  });
});

describe("parseArn", () => {
  it("splits six segments and keeps colons in the resource", () => {
    expect(parseArn("arn:aws:logs:eu-west-1:123456789012:log-group:/a/b:*")).toEqual({
      partition: "aws",
      service: "logs",
      region: "eu-west-1",
      account: "123456789012",
      resource: "log-group:/a/b:*",
    });
    expect(parseArn("arn:aws:s3:::bucket")?.account).toBe("");
    expect(parseArn("arn:aws:s3")).toBeUndefined();
    expect(parseArn("urn:aws:s3:::b")).toBeUndefined();
  });
});

describe("keys derived from the request", () => {
  const chain = {
    policyType: "SERVICE_CONTROL_POLICY" as const,
    levels: [
      {
        target: { id: "r-ab12", type: "ROOT" as const, name: "Root" },
        policies: [
          {
            id: "p-FullAWSAccess",
            name: "FullAWSAccess",
            awsManaged: true,
            content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
          },
          {
            id: "p-region",
            name: "DenyOutsideEU",
            awsManaged: false,
            content: JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Sid: "DenyOutsideEU",
                  Effect: "Deny",
                  NotAction: ["iam:*"],
                  Resource: "*",
                  Condition: { StringNotEquals: { "aws:RequestedRegion": ["eu-west-1"] } },
                },
              ],
            }),
          },
        ],
      },
    ],
  };

  it("gives aws:PrincipalType from the principal ARN", () => {
    const types = [
      ["arn:aws:iam::123456789012:role/Admin", "AssumedRole"],
      ["arn:aws:sts::123456789012:assumed-role/Admin/s", "AssumedRole"],
      ["arn:aws:iam::123456789012:user/bob", "User"],
      ["arn:aws:iam::123456789012:root", "Account"],
    ];
    for (const [principalArn, type] of types) {
      const r = evaluate(
        { action: "s3:GetObject", principalArn: principalArn!, region: "eu-west-1" },
        chain as any,
      );
      expect(r.derivedContext["aws:PrincipalType"], principalArn).toBe(type);
    }
  });

  it("evaluates a single-endpoint service in us-east-1 whatever region is named", () => {
    const r = evaluate(
      {
        action: "cloudfront:CreateDistribution",
        principalArn: "arn:aws:iam::123456789012:role/A",
        region: "eu-west-1",
      },
      chain as any,
    );
    expect(r.derivedContext["aws:RequestedRegion"]).toBe("us-east-1");
    expect(r.decision).toBe("explicitly_denied");
    // STS has regional endpoints: the named region stands.
    const sts = evaluate(
      { action: "sts:AssumeRole", principalArn: "arn:aws:iam::123456789012:role/A", region: "eu-west-1" },
      chain as any,
    );
    expect(sts.decision).toBe("allowed");
  });
});
