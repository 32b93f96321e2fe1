// Coffer driven by the AWS SDK for JavaScript v3. Run by tests/e2e/test_js_sdk.py, which starts
// the server and sets COFFER_ENDPOINT and the credentials.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  SecretsManagerClient, CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand,
  DescribeSecretCommand, ListSecretsCommand, BatchGetSecretValueCommand, DeleteSecretCommand,
  UpdateSecretVersionStageCommand, ListSecretVersionIdsCommand, TagResourceCommand,
  GetRandomPasswordCommand, ResourceNotFoundException, ResourceExistsException,
  InvalidRequestException,
} from "@aws-sdk/client-secrets-manager";

const endpoint = process.env.COFFER_ENDPOINT;
const credentials = {
  accessKeyId: process.env.AWS_ACCESS_KEY_ID,
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
};
const client = new SecretsManagerClient({ endpoint, region: "us-east-1", credentials });
const suffix = Date.now().toString(36);

test("create, read, rotate labels and describe a string secret", async () => {
  const name = `js/db-${suffix}`;
  const created = await client.send(new CreateSecretCommand({
    Name: name, SecretString: JSON.stringify({ user: "app", password: "p1" }),
    Tags: [{ Key: "team", Value: "web" }],
  }));
  assert.match(created.ARN, new RegExp(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-[A-Za-z0-9]{6}$`));
  const v1 = await client.send(new GetSecretValueCommand({ SecretId: name }));
  assert.equal(JSON.parse(v1.SecretString).password, "p1");
  assert.deepEqual(v1.VersionStages, ["AWSCURRENT"]);
  assert.ok(v1.CreatedDate instanceof Date);

  const put = await client.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: "p2" }));
  const prev = await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSPREVIOUS" }));
  assert.equal(prev.VersionId, created.VersionId);
  const cur = await client.send(new GetSecretValueCommand({ SecretId: name }));
  assert.equal(cur.SecretString, "p2");
  assert.equal(cur.VersionId, put.VersionId);

  await client.send(new UpdateSecretVersionStageCommand({
    SecretId: name, VersionStage: "AWSCURRENT", MoveToVersionId: created.VersionId,
    RemoveFromVersionId: put.VersionId,
  }));
  const rolled = await client.send(new GetSecretValueCommand({ SecretId: name }));
  assert.equal(rolled.VersionId, created.VersionId);

  const d = await client.send(new DescribeSecretCommand({ SecretId: name }));
  assert.deepEqual(d.Tags, [{ Key: "team", Value: "web" }]);
  assert.deepEqual(d.VersionIdsToStages[put.VersionId], ["AWSPREVIOUS"]);
  assert.equal(d.KmsKeyId, undefined);
  assert.ok(d.LastChangedDate instanceof Date);

  const versions = await client.send(new ListSecretVersionIdsCommand({ SecretId: name }));
  assert.equal(versions.Versions.length, 2);
});

test("binary secrets round-trip as bytes", async () => {
  const name = `js/bin-${suffix}`;
  const bytes = Uint8Array.from([0, 1, 2, 250, 255, 128]);
  await client.send(new CreateSecretCommand({ Name: name, SecretBinary: bytes }));
  const got = await client.send(new GetSecretValueCommand({ SecretId: name }));
  assert.equal(got.SecretString, undefined);
  assert.deepEqual(Array.from(got.SecretBinary), Array.from(bytes));
});

test("errors map to the SDK's modeled exception classes with AWS status codes", async () => {
  await assert.rejects(client.send(new GetSecretValueCommand({ SecretId: `js/missing-${suffix}` })),
    (e) => e instanceof ResourceNotFoundException && e.$metadata.httpStatusCode === 400 &&
      e.message === "Secrets Manager can't find the specified secret.");
  const name = `js/dup-${suffix}`;
  await client.send(new CreateSecretCommand({ Name: name, SecretString: "x" }));
  await assert.rejects(client.send(new CreateSecretCommand({ Name: name, SecretString: "y" })),
    (e) => e instanceof ResourceExistsException);
  await client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
  await assert.rejects(client.send(new GetSecretValueCommand({ SecretId: name })),
    (e) => e instanceof InvalidRequestException && /marked for deletion/.test(e.message));
});

test("wrong credentials are refused by SigV4", async () => {
  const bad = new SecretsManagerClient({
    endpoint, region: "us-east-1",
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: "not-the-secret-key-00000" },
  });
  await assert.rejects(bad.send(new ListSecretsCommand({})),
    (e) => e.name === "InvalidSignatureException" && e.$metadata.httpStatusCode === 400);
  const unknown = new SecretsManagerClient({
    endpoint, region: "us-east-1",
    credentials: { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "whatever-secret-key-000" },
  });
  await assert.rejects(unknown.send(new ListSecretsCommand({})),
    (e) => e.name === "UnrecognizedClientException");
});

test("list, filter, paginate and batch-get", async () => {
  const prefix = `js/list-${suffix}/`;
  for (let i = 0; i < 7; i++) {
    await client.send(new CreateSecretCommand({ Name: `${prefix}${i}`, SecretString: `v${i}` }));
  }
  await client.send(new TagResourceCommand({ SecretId: `${prefix}3`, Tags: [{ Key: "pick", Value: "me" }] }));
  const names = [];
  let NextToken;
  do {
    const page = await client.send(new ListSecretsCommand({
      Filters: [{ Key: "name", Values: [prefix] }], MaxResults: 3, NextToken,
    }));
    names.push(...page.SecretList.map((s) => s.Name));
    NextToken = page.NextToken;
  } while (NextToken);
  assert.deepEqual(names, [0, 1, 2, 3, 4, 5, 6].map((i) => `${prefix}${i}`));
  const tagged = await client.send(new ListSecretsCommand({ Filters: [{ Key: "tag-value", Values: ["me"] }] }));
  assert.deepEqual(tagged.SecretList.map((s) => s.Name), [`${prefix}3`]);

  const batch = await client.send(new BatchGetSecretValueCommand({
    SecretIdList: [`${prefix}0`, `${prefix}missing`, `${prefix}6`],
  }));
  assert.deepEqual(batch.SecretValues.map((v) => v.SecretString).sort(), ["v0", "v6"]);
  assert.equal(batch.Errors.length, 1);
  assert.equal(batch.Errors[0].ErrorCode, "ResourceNotFoundException");
});

test("random passwords follow the options", async () => {
  const r = await client.send(new GetRandomPasswordCommand({ PasswordLength: 64, ExcludePunctuation: true }));
  assert.equal(r.RandomPassword.length, 64);
  assert.match(r.RandomPassword, /^[A-Za-z0-9]+$/);
});
