import { describe, expect, it } from "vitest";
import { describePrincipal, parseArn } from "../../src/policy/index.js";

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
