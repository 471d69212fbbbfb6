/**
 * What every AWS client of the server is built with: the SDK's adaptive retries, the server's
 * user agent, and, when the organization is read through a role in the management account, that
 * role's temporary credentials.
 */
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { USER_AGENT_APP_ID } from "../version.js";

/** Shows in CloudTrail as the assumed-role session name. */
export const ROLE_SESSION_NAME = "aws-organizations-mcp-server";
/** Attempts per request including the first. */
export const DEFAULT_MAX_ATTEMPTS = 6;

export interface ReaderRole {
  /** The reader role in the management account, when the organization is read through one. */
  roleArn?: string;
  externalId?: string;
}

export interface AwsClientSettings {
  region: string;
  retryMode: "adaptive";
  maxAttempts: number;
  customUserAgent: string;
  credentials?: ReturnType<typeof fromTemporaryCredentials>;
}

export function awsClientSettings(
  region: string,
  role: ReaderRole,
  maxAttempts: number = DEFAULT_MAX_ATTEMPTS,
): AwsClientSettings {
  return {
    region,
    retryMode: "adaptive",
    maxAttempts,
    customUserAgent: USER_AGENT_APP_ID,
    ...(role.roleArn
      ? {
          credentials: fromTemporaryCredentials({
            params: {
              RoleArn: role.roleArn,
              RoleSessionName: ROLE_SESSION_NAME,
              ...(role.externalId ? { ExternalId: role.externalId } : {}),
            },
            clientConfig: { region },
          }),
        }
      : {}),
  };
}
