import { describe, expect, it } from "vitest";
import {
  evaluateCondition,
  ipInCidr,
  makeCondition,
  parseCidr,
  parseConditionOperator,
  RequestContextValues,
} from "../../src/policy/index.js";

function cidr(text: string) {
  const c = parseCidr(text);
  if (!c) throw new Error(`not a CIDR: ${text}`);
  return c;
}

describe("parseCidr", () => {
  it.each([
    ["10.0.0.0/8", "ipv4", 8],
    ["192.0.2.7", "ipv4", 32],
    ["0.0.0.0/0", "ipv4", 0],
    ["2001:db8::/32", "ipv6", 32],
    ["2001:DB8::1", "ipv6", 128],
    ["::/0", "ipv6", 0],
    ["::ffff:192.0.2.0/120", "ipv4", 24],
  ])("%s → %s /%d", (text, kind, bits) => {
    const [ip, prefix] = cidr(text);
    expect(ip.kind()).toBe(kind);
    expect(prefix).toBe(bits);
  });

  it.each([
    "10.0.0.0/33",
    "2001:db8::/129",
    "10.0.0/8",
    "10.0.0.0/x",
    "256.0.0.1",
    "01.2.3.4x",
    "",
    "host.example",
    "10.0.0.0/",
  ])("rejects %j", (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe("ipInCidr, IPv4", () => {
  it.each([
    ["10.1.2.3", "10.0.0.0/8", true],
    ["11.0.0.0", "10.0.0.0/8", false],
    ["192.0.2.0", "192.0.2.0/24", true],
    ["192.0.2.255", "192.0.2.0/24", true],
    ["192.0.3.0", "192.0.2.0/24", false],
    ["198.51.100.127", "198.51.100.0/25", true],
    ["198.51.100.128", "198.51.100.0/25", false],
    ["203.0.113.7", "203.0.113.7", true],
    ["203.0.113.8", "203.0.113.7", false],
    ["8.8.8.8", "0.0.0.0/0", true],
    // Host bits set in the policy CIDR: only the prefix counts.
    ["10.9.9.9", "10.1.2.3/8", true],
  ])("%s in %s → %s", (ip, range, expected) => {
    expect(ipInCidr(ip, cidr(range))).toBe(expected);
  });
});

describe("ipInCidr, IPv6", () => {
  it.each([
    ["2001:db8::1", "2001:db8::/32", true],
    ["2001:db8:ffff:ffff::1", "2001:db8::/32", true],
    ["2001:db9::1", "2001:db8::/32", false],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::/32", true],
    ["2001:db8:bad:1::42", "2001:db8:bad::/48", true],
    ["2001:db8:bae::1", "2001:db8:bad::/48", false],
    ["::1", "::1", true],
    ["fe80::1", "::/0", true],
  ])("%s in %s → %s", (ip, range, expected) => {
    expect(ipInCidr(ip, cidr(range))).toBe(expected);
  });
});

describe("mixed families", () => {
  it("never matches IPv4 against an IPv6 range or the reverse", () => {
    expect(ipInCidr("10.0.0.1", cidr("::/0"))).toBe(false);
    expect(ipInCidr("2001:db8::1", cidr("0.0.0.0/0"))).toBe(false);
  });

  it("reads IPv4-mapped IPv6 addresses as IPv4", () => {
    expect(ipInCidr("::ffff:192.0.2.5", cidr("192.0.2.0/24"))).toBe(true);
    expect(ipInCidr("::ffff:c000:0205", cidr("192.0.2.0/24"))).toBe(true);
  });

  it("treats a value that is not an address as outside every range", () => {
    expect(ipInCidr("example.com", cidr("0.0.0.0/0"))).toBe(false);
    expect(ipInCidr("", cidr("::/0"))).toBe(false);
  });
});

describe("IpAddress / NotIpAddress conditions", () => {
  const ctx = (ip: string) => ({
    context: RequestContextValues.from({ "aws:SourceIp": ip }),
    missingKeys: "unknown" as const,
    resourceKnown: true,
  });
  const operator = (name: string) => {
    const r = parseConditionOperator(name);
    if (!r.ok) throw new Error(r.message);
    return r.operator;
  };
  const ranges = ["192.0.2.0/24", "2001:db8::/32"];

  it("IpAddress is true inside any listed range, v4 or v6", () => {
    const c = makeCondition(operator("IpAddress"), "aws:SourceIp", ranges);
    expect(evaluateCondition(c, ctx("192.0.2.9")).result).toBe(true);
    expect(evaluateCondition(c, ctx("2001:db8::9")).result).toBe(true);
    expect(evaluateCondition(c, ctx("198.51.100.1")).result).toBe(false);
  });

  it("NotIpAddress is true outside every listed range", () => {
    const c = makeCondition(operator("NotIpAddress"), "aws:SourceIp", ranges);
    expect(evaluateCondition(c, ctx("192.0.2.9")).result).toBe(false);
    expect(evaluateCondition(c, ctx("2001:db9::9")).result).toBe(true);
  });

  it("an invalid policy range never matches", () => {
    const c = makeCondition(operator("IpAddress"), "aws:SourceIp", ["not-a-cidr"]);
    expect(c.compiled[0]?.kind).toBe("invalid");
    expect(evaluateCondition(c, ctx("192.0.2.9")).result).toBe(false);
  });
});
