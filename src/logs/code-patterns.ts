/**
 * Where logs print an AWS error code, shared by the error-code scan (scan-error-codes.ts) and the
 * wrapper reader (wrappers.ts). Sources, not RegExp objects: each user keeps its own global regex, whose
 * lastIndex is its own state.
 */

/** A JSON (or escaped JSON) member naming the code: `"__type": "…#AccessDeniedException"`, `"Code": "…"`. */
export const JSON_CODE_SOURCE = String.raw`\\?["'](?:__type|[Cc]ode|errorCode|errorType|[Nn]ame|Error[Cc]ode)\\?["'][ \t]{0,5}:[ \t]{0,5}\\?["'](?:[^"'\\\n]{0,100}#)?([A-Za-z0-9.]{1,64})`;

/** A JavaScript object as Node prints it: `code: 'AccessDenied'`, `name: '…'`. */
export const JS_PRINTED_CODE_SOURCE = String.raw`\b(?:code|name|Code)[ \t]{0,3}:[ \t]{0,3}'([A-Za-z0-9.]{1,64})'`;

/** An XML error body: `<Code>AccessDenied</Code>`. */
export const XML_CODE_SOURCE = String.raw`<Code>([A-Za-z0-9.]{1,64})<\/Code>`;
