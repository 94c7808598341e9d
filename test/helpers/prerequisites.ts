/**
 * A test's outside prerequisite (a fixture under ../shared, openssl, chromium). Missing under CI=true it is a failure
 * naming what is missing; locally the suite is skipped with a visible "SKIPPED" line (the summary lists it again).
 */
export function requirePrerequisite(context: Mocha.Context, available: boolean, missing: string): void {
  if (available) return;
  if (process.env.CI === "true") throw new Error(`prerequisite missing under CI: ${missing}`);
  console.warn(`      SKIPPED — ${missing}`);
  context.skip();
}
