/** Runs every data-driven evaluator case in test/fixtures/evaluator/*.json. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, primeCatalogue, type EvaluationResult } from "../../src/policy/index.js";
import { buildChain, fixtureFileSchema, type FixtureCase, type FixtureFile } from "./fixture-schema.js";

const dir = fileURLToPath(new URL("../fixtures/evaluator/", import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((name) => {
    const parsed = fixtureFileSchema.safeParse(JSON.parse(readFileSync(join(dir, name), "utf8")));
    if (!parsed.success) throw new Error(`${name}: ${parsed.error.message}`);
    return { name, file: parsed.data };
  });

function resolveChain(file: FixtureFile, c: FixtureCase) {
  if (typeof c.chain === "string") {
    const spec = file.chains[c.chain];
    if (!spec) throw new Error(`case "${c.name}" names unknown chain "${c.chain}"`);
    return buildChain(file, spec);
  }
  return buildChain(file, c.chain);
}

/** "policyId#index" for each expected statement, resolving Sids against the evaluated policies. */
function expectedDeciding(c: FixtureCase, result: EvaluationResult): string[] {
  return c.expect.deciding.map((ref) => {
    if (typeof ref.statement === "number") return `${ref.policy}#${ref.statement}`;
    const found = result.levels
      .flatMap((l) => l.policies)
      .filter((p) => p.policyId === ref.policy)
      .flatMap((p) => p.statements)
      .find((s) => s.sid === ref.statement);
    if (!found)
      throw new Error(`case "${c.name}": no statement with Sid "${ref.statement}" in ${ref.policy}`);
    return `${ref.policy}#${found.statementIndex}`;
  });
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

beforeAll(async () => {
  await primeCatalogue();
});

describe("evaluator fixtures", () => {
  it("holds at least 150 cases", () => {
    const total = files.reduce((n, f) => n + f.file.cases.length, 0);
    expect(total).toBeGreaterThanOrEqual(150);
  });

  for (const { name, file } of files) {
    describe(name, () => {
      for (const c of file.cases) {
        it(c.name, () => {
          const chain = resolveChain(file, c);
          const result = evaluate(c.request, chain, {
            ...(c.options?.missingKeys ? { missingKeys: c.options.missingKeys } : {}),
            ...(c.options?.now ? { now: new Date(c.options.now) } : {}),
          });
          const context = `${c.name}: ${result.summary}`;
          expect(result.decision, context).toBe(c.expect.decision);
          expect(
            sorted(result.decidingStatements.map((s) => `${s.policyId}#${s.statementIndex}`)),
            context,
          ).toEqual(sorted(expectedDeciding(c, result)));

          if (result.decision === "implicitly_denied") {
            expect(result.missingAllowAt.length, context).toBeGreaterThan(0);
          }
          if (result.decision === "depends_on_context") {
            expect(result.missingContextKeys.length, context).toBeGreaterThan(0);
            expect(result.outcomes?.length ?? 0, context).toBeGreaterThan(0);
          }
          if (c.expect.missingAllowAt) {
            expect(sorted(result.missingAllowAt.map((m) => m.targetId)), context).toEqual(
              sorted(c.expect.missingAllowAt),
            );
          }
          if (c.expect.missingContextKeys) {
            expect(sorted(result.missingContextKeys), context).toEqual(sorted(c.expect.missingContextKeys));
          }
          if (c.expect.keysAssumedAbsent) {
            expect(sorted(result.keysAssumedAbsent), context).toEqual(sorted(c.expect.keysAssumedAbsent));
          }
          expect(result.exemption?.kind, context).toBe(c.expect.exemption);
          if (c.expect.decisionWithoutExemption) {
            expect(result.decisionWithoutExemption, context).toBe(c.expect.decisionWithoutExemption);
          }
          if (c.expect.actionStatus) expect(result.action.status, context).toBe(c.expect.actionStatus);
          if (c.expect.outcomes) {
            const got = Object.fromEntries((result.outcomes ?? []).map((o) => [o.scenario, o.decision]));
            expect(got, context).toMatchObject(c.expect.outcomes);
          }
          for (const scenario of c.expect.noOutcome ?? []) {
            expect(
              result.outcomes?.map((o) => o.scenario),
              context,
            ).not.toContain(scenario);
          }
          for (const [scenario, values] of Object.entries(c.expect.outcomeContexts ?? {})) {
            const outcome = result.outcomes?.find((o) => o.scenario === scenario);
            expect(outcome?.context, `${context} (${scenario})`).toEqual(values);
            // The values given yield the outcome.
            const supplied = evaluate(
              { ...c.request, context: { ...c.request.context, ...values } },
              chain,
              c.options?.missingKeys ? { missingKeys: c.options.missingKeys } : {},
            );
            expect(supplied.decision, `${context} (${scenario})`).toBe(outcome?.decision);
          }
          if (c.expect.derivedContext) {
            expect(result.derivedContext, context).toMatchObject(c.expect.derivedContext);
          }
          for (const w of c.expect.warningIncludes ?? []) {
            expect(result.warnings.join("\n"), context).toContain(w);
          }
          for (const n of c.expect.noteIncludes ?? []) {
            expect(result.notes.join("\n"), context).toContain(n);
          }
          const caveats = result.caveats.map((k) => ({
            reading: k.reading,
            decisionUnderOtherReading: k.decisionUnderOtherReading,
            statements: k.statements.map((s) => `${s.policyId}#${s.statementIndex}`),
          }));
          expect(
            caveats.map((k) => `${k.reading} -> ${k.decisionUnderOtherReading}`).sort(),
            `${context}\n${result.caveats.map((k) => k.message).join("\n")}`,
          ).toEqual(
            (c.expect.caveats ?? []).map((k) => `${k.reading} -> ${k.decisionUnderOtherReading}`).sort(),
          );
          for (const want of c.expect.caveats ?? []) {
            const got = caveats.find((k) => k.reading === want.reading);
            if (want.statements) {
              expect(sorted(got?.statements ?? []), context).toEqual(
                sorted(
                  expectedDeciding({ ...c, expect: { ...c.expect, deciding: want.statements } }, result),
                ),
              );
            }
          }
          if (c.expect.reasonIncludes) {
            const text = [
              result.summary,
              ...result.decidingStatements.flatMap((s) => [
                s.reason,
                ...(s.conditions ?? []).map((k) => k.reason),
              ]),
            ].join("\n");
            for (const r of c.expect.reasonIncludes) expect(text, context).toContain(r);
          }
        });
      }
    });
  }
});
