import assert from "node:assert/strict";
import { describeTarget, poolConfig } from "../../../nodes/lib/state";
import { parsePostgresSettings } from "../../../nodes/lib/node-red/state-config";

const expand = (value: string | undefined) =>
  value?.replace(/\$\{(\w+)\}/g, (_m, name: string) => ({ PG_URL: "postgresql://db.example:6543/ccm" })[name] ?? "");

describe("Durable state settings (PostgreSQL)", () => {
  it("verifies the server certificate unless told otherwise, and takes TLS from its own field, not the URL", () => {
    const settings = parsePostgresSettings({ url: "postgresql://db/x?sslmode=disable" }, {}, expand);
    assert.equal(settings.tls, "verify");
    const config = poolConfig(settings);
    assert.deepEqual(config.ssl, { rejectUnauthorized: true });
    assert.ok(!String(config.connectionString).includes("sslmode"), "an sslmode in the URL cannot switch TLS off");
    assert.deepEqual(poolConfig({ ...settings, tls: "no-verify" }).ssl, { rejectUnauthorized: false });
    assert.equal(poolConfig({ ...settings, tls: "off" }).ssl, false);
  });

  it("expands ${PG_URL}, takes user and password from the credentials and defaults pool size and schema", () => {
    const settings = parsePostgresSettings({ url: "${PG_URL}" }, { user: "svc", password: "s3cret!" }, expand);
    assert.equal(settings.url, "postgresql://db.example:6543/ccm");
    assert.deepEqual(
      [settings.user, settings.password, settings.poolSize, settings.schema],
      ["svc", "s3cret!", 10, "ccm_bridge"],
    );
    const config = poolConfig(settings);
    assert.deepEqual([config.user, config.password, config.max], ["svc", "s3cret!", 10]);
  });

  it("names the database in messages without the user or password, even when the URL carries them", () => {
    const settings = parsePostgresSettings(
      { url: "postgresql://svc:s3cret!@db.example:6543/ccm", schema: "s1" },
      {},
      expand,
    );
    const text = describeTarget(settings);
    assert.equal(text, "db.example:6543/ccm schema s1");
    assert.ok(!text.includes("s3cret") && !text.includes("svc"));
  });

  it("refuses an invalid schema name, pool size or TLS mode with a clear error", () => {
    assert.throws(() => parsePostgresSettings({ url: "x", schema: "a-b" }, {}, expand), /invalid schema name "a-b"/);
    assert.throws(() => parsePostgresSettings({ url: "x", poolSize: "0" }, {}, expand), /invalid pool size/);
    assert.throws(() => parsePostgresSettings({ url: "x", tls: "maybe" }, {}, expand), /invalid TLS mode "maybe"/);
  });
});
