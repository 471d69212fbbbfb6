import { parseArn, type ParsedArn } from "../policy/request-context.js";
import { DOCUMENTATION_ACCOUNT_IDS, isRegion } from "./aws-names.js";

const MAX_TOKEN = 2048;

/** Characters that end an unquoted ARN / token. */
function isStop(code: number): boolean {
  return (
    code <= 0x20 || // whitespace and control characters
    code === 0x22 || // "
    code === 0x27 || // '
    code === 0x60 || // `
    code === 0x5c || // \
    code === 0x7c || // |
    code === 0x26 || // &
    code === 0x2c || // ,  (never inside an ARN that AWS prints unquoted)
    code === 0x00a0
  );
}

const ALWAYS_STRIP = new Set([".", ",", ";", ":", '"', "'", "`", "!", "?"]);
const PAIRS: Readonly<Record<string, string>> = { ")": "(", "]": "[", "}": "{", ">": "<" };

function count(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

/** Remove punctuation that trails an ARN in prose: `.`, `,`, `"`, `'`, `;`, and unbalanced `)`, `]`, `}`, `>`. */
export function stripTrailingPunctuation(token: string): string {
  let t = token;
  for (let guard = 0; guard < 32 && t.length > 0; guard++) {
    const last = t.charAt(t.length - 1);
    if (ALWAYS_STRIP.has(last)) {
      t = t.slice(0, -1);
      continue;
    }
    const open = PAIRS[last];
    if (open !== undefined && count(t, open) < count(t, last)) {
      t = t.slice(0, -1);
      continue;
    }
    break;
  }
  return t;
}

export interface Token {
  value: string;
  /** Index just past the token (in the scanned string), including a closing quote. */
  end: number;
  quoted: boolean;
}

/**
 * Read a token (usually an ARN) starting at `start`: a quoted string ("…", '…', \"…\") or a run of
 * non-space characters. Inside an ARN, a quoted placeholder in the account field
 * (`arn:aws:sts::"my account number":assumed-role/…`) and `<placeholder>`s are kept whole.
 */
export function readToken(text: string, start: number): Token | null {
  let i = start;
  const limit = Math.min(text.length, start + MAX_TOKEN);
  if (i >= text.length) return null;
  // Quoted forms.
  let quote = "";
  if (text.startsWith('\\"', i)) quote = '\\"';
  else if (text.charAt(i) === '"' || text.charAt(i) === "'") quote = text.charAt(i);
  if (quote !== "") {
    const close = text.indexOf(quote, i + quote.length);
    const nl = text.indexOf("\n", i);
    if (close !== -1 && close < limit && (nl === -1 || close < nl)) {
      const value = text.slice(i + quote.length, close).trim();
      if (value.length > 0) return { value, end: close + quote.length, quoted: true };
    }
    i += quote.length;
  }
  const begin = i;
  while (i < limit) {
    const code = text.charCodeAt(i);
    if (code === 0x22 && text.charCodeAt(i - 1) === 0x3a /* : */) {
      // "placeholder" inside an ARN's account field.
      const close = text.indexOf('"', i + 1);
      if (close !== -1 && close - i <= 40 && text.charAt(close + 1) === ":") {
        const inner = text.slice(i + 1, close);
        if (!inner.includes("\n")) {
          i = close + 1;
          continue;
        }
      }
    }
    if (code === 0x3c /* < */) {
      // Keep <placeholder>; stop at markup such as </Message>.
      const close = text.indexOf(">", i + 1);
      const inner = close === -1 ? "" : text.slice(i + 1, close);
      if (close !== -1 && close - i <= 48 && /^[A-Za-z0-9_ -]{1,46}$/.test(inner) && !inner.startsWith("/")) {
        i = close + 1;
        continue;
      }
      break;
    }
    if (isStop(code)) break;
    i++;
  }
  const value = stripTrailingPunctuation(text.slice(begin, i));
  if (value.length === 0) return null;
  return { value, end: i, quoted: false };
}

/** A value that is only a placeholder: `<aws-role-arn>`, `{role}`, `[ID]`, `***`, `xxx`, `...`. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v === "") return true;
  if (/^<[^<>]{1,60}>$/.test(v) || /^\{[^{}]{1,60}\}$/.test(v) || /^\[[^[\]]{1,60}\]$/.test(v)) return true;
  if (/^\$\{[^}]{1,60}\}$/.test(v)) return true;
  if (/^(?:\*{2,}|x+|X+|\.{2,}|\u2026|-+|_+|#+)$/.test(v)) return true;
  if (/^\*?(?:redacted|removed|hidden|masked|obfuscated|sanitized|anonymized)\*?$/i.test(v)) return true;
  return false;
}

export type ArnParts = ParsedArn;

/** An ARN's parts; a truncated or redacted one (fewer than six parts) gives what it has. */
export function splitArn(value: string): ArnParts | null {
  if (!value.startsWith("arn:")) return null;
  const full = parseArn(value);
  if (full) return full;
  const parts = value.split(":");
  return {
    partition: parts[1] ?? "",
    service: parts[2] ?? "",
    region: parts[3] ?? "",
    account: parts[4] ?? "",
    resource: "",
  };
}

export type AccountVerdict =
  | { kind: "valid"; accountId: string; documentation: boolean }
  | { kind: "redacted"; shown: string }
  | { kind: "absent" };

/** Judge an account field: a 12-digit id, a redaction (`***`, `xxx`, `<account-id>`, `000000000000`, short ids), or nothing. */
export function judgeAccount(field: string): AccountVerdict {
  const v = field.trim().replace(/^"|"$/g, "");
  if (v === "") return { kind: "absent" };
  if (/^\d{12}$/.test(v)) {
    if (/^0{12}$/.test(v)) return { kind: "redacted", shown: v };
    return { kind: "valid", accountId: v, documentation: DOCUMENTATION_ACCOUNT_IDS.has(v) };
  }
  return { kind: "redacted", shown: v };
}

export function regionFromArn(value: string | null): string | null {
  if (value === null) return null;
  const parts = splitArn(value);
  if (parts === null) return null;
  return isRegion(parts.region) ? parts.region : null;
}

/** An ARN-looking value (also the `aws:iam::…` form with the `arn` lost). */
export function looksLikeArn(value: string): boolean {
  return /^arn:[a-z-]{2,20}:[a-z0-9-]{1,64}:/i.test(value) || /^aws:iam::/.test(value);
}
