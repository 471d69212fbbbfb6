import pkg from "../package.json" with { type: "json" };

export const SERVER_NAME = "aws-organizations-mcp-server";
export const SERVER_VERSION: string = pkg.version;
/** Appended to every AWS SDK call's user agent, so CloudTrail shows which tool made it. */
export const USER_AGENT_APP_ID = `${SERVER_NAME}/${SERVER_VERSION}`;
