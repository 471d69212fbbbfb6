/**
 * CloudTrail records as AWS writes them (the fields of the CloudTrail record contents reference:
 * userIdentity with its sessionContext, eventSource, eventName, awsRegion, sourceIPAddress,
 * tlsDetails, resources, recipientAccountId), for the demo sample, the fake trail bucket and the
 * replay benchmark.
 */
export interface RecordSpec {
  time: string;
  accountId: string;
  /** "role/Name" (a session of it), "user/Name", "root", "service:<principal>", "slr/<service>/<Name>". */
  principal: string;
  eventSource: string;
  eventName: string;
  region: string;
  sourceIp?: string;
  resources?: { arn: string; accountId?: string; type?: string }[];
  requestParameters?: Record<string, unknown>;
  errorCode?: string;
  eventType?: string;
  mfa?: boolean;
  invokedBy?: string;
  n?: number;
}

function hex(n: number, width: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(width, "0").slice(-width);
}

export function cloudTrailRecord(s: RecordSpec): Record<string, unknown> {
  const n = s.n ?? 0;
  const acct = s.accountId;
  let userIdentity: Record<string, unknown>;
  if (s.principal.startsWith("service:")) {
    userIdentity = { type: "AWSService", invokedBy: s.principal.slice("service:".length) };
  } else if (s.principal === "root") {
    userIdentity = { type: "Root", principalId: acct, arn: `arn:aws:iam::${acct}:root`, accountId: acct };
  } else if (s.principal.startsWith("user/")) {
    const name = s.principal.slice(5);
    userIdentity = {
      type: "IAMUser",
      principalId: `AIDA${hex(n * 7919 + acct.length, 16)}`,
      arn: `arn:aws:iam::${acct}:user/${name}`,
      accountId: acct,
      accessKeyId: `AKIA${hex(n * 104729, 16)}`,
      userName: name,
    };
  } else {
    const slr = s.principal.startsWith("slr/");
    const [service, name] = slr ? s.principal.slice(4).split("/") : [undefined, s.principal.slice(5)];
    const rolePath = slr
      ? `aws-service-role/${service}/`
      : name?.startsWith("AWSReservedSSO_")
        ? "aws-reserved/sso.amazonaws.com/"
        : "";
    const roleId = `AROA${hex(((name ?? "").length * 2654435761) ^ Number(acct.slice(-6)), 16)}`;
    const session = slr ? (service ?? "service").split(".")[0] : `session-${n % 7}`;
    userIdentity = {
      type: "AssumedRole",
      principalId: `${roleId}:${session}`,
      arn: `arn:aws:sts::${acct}:assumed-role/${name}/${session}`,
      accountId: acct,
      accessKeyId: `ASIA${hex(n * 15485863, 16)}`,
      sessionContext: {
        sessionIssuer: {
          type: "Role",
          principalId: roleId,
          arn: `arn:aws:iam::${acct}:role/${rolePath}${name}`,
          accountId: acct,
          userName: name,
        },
        attributes: { creationDate: s.time, mfaAuthenticated: s.mfa ? "true" : "false" },
      },
      ...(s.invokedBy ? { invokedBy: s.invokedBy } : {}),
    };
  }
  const service = s.principal.startsWith("service:");
  return {
    eventVersion: "1.09",
    userIdentity,
    eventTime: s.time,
    eventSource: s.eventSource,
    eventName: s.eventName,
    awsRegion: s.region,
    sourceIPAddress: service ? s.principal.slice(8) : (s.sourceIp ?? "203.0.113.10"),
    userAgent: service ? s.principal.slice(8) : "aws-cli/2.22.0 md/Botocore#1.36.0",
    ...(s.errorCode
      ? { errorCode: s.errorCode, errorMessage: `${s.errorCode} when calling ${s.eventName}` }
      : {}),
    requestParameters: s.requestParameters ?? null,
    responseElements: null,
    requestID: `${hex(n * 31 + 7, 8)}-0000-4000-8000-${hex(n, 12)}`,
    eventID: `${hex(n * 17 + 3, 8)}-1111-4000-8000-${hex(n, 12)}`,
    readOnly: /^(Get|List|Describe|Head|Lookup)/.test(s.eventName),
    ...(s.resources
      ? {
          resources: s.resources.map((r) => ({
            accountId: r.accountId ?? acct,
            type: r.type ?? "AWS::Resource",
            ARN: r.arn,
          })),
        }
      : {}),
    eventType: s.eventType ?? "AwsApiCall",
    managementEvent: !["GetObject", "PutObject", "Invoke", "GetItem", "PutItem"].includes(s.eventName),
    recipientAccountId: acct,
    eventCategory: "Management",
    ...(service
      ? {}
      : {
          tlsDetails: {
            tlsVersion: "TLSv1.3",
            cipherSuite: "TLS_AES_128_GCM_SHA256",
            clientProvidedHostHeader: `${s.eventSource.replace(".amazonaws.com", "")}.${s.region}.amazonaws.com`,
          },
        }),
  };
}
