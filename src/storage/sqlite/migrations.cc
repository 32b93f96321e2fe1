#include "storage/sqlite/migrations.h"

#include <string>
#include <vector>

namespace coffer::storage::sqlite {
namespace {

// Append only: never edit a step that has shipped.
const std::vector<const char*>& Steps() {
  static const std::vector<const char*> steps = {
      // 1: metadata, keys, secrets.
      R"sql(
      CREATE TABLE meta(
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE keyring_terms(
        term       INTEGER PRIMARY KEY,
        created_ms INTEGER NOT NULL,
        sealed     BLOB NOT NULL
      );

      CREATE TABLE kms_keys(
        key_id               TEXT PRIMARY KEY,
        arn                  TEXT NOT NULL,
        description          TEXT NOT NULL,
        state                TEXT NOT NULL,
        spec                 TEXT NOT NULL,
        usage                TEXT NOT NULL,
        manager              TEXT NOT NULL,
        created_ms           INTEGER NOT NULL,
        deletion_ms          INTEGER,
        rotation_enabled     INTEGER NOT NULL,
        rotation_period_days INTEGER NOT NULL,
        next_rotation_ms     INTEGER,
        current_material     INTEGER NOT NULL,
        policy               TEXT NOT NULL,
        tags                 TEXT NOT NULL,
        revision             INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE kms_key_materials(
        key_id     TEXT NOT NULL,
        version    INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        on_demand  INTEGER NOT NULL,
        sealed     BLOB NOT NULL,
        PRIMARY KEY(key_id, version)
      ) WITHOUT ROWID;

      CREATE TABLE kms_aliases(
        name       TEXT PRIMARY KEY,
        key_id     TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX kms_aliases_by_key ON kms_aliases(key_id, name);

      CREATE TABLE secrets(
        id               INTEGER PRIMARY KEY,
        arn              TEXT NOT NULL UNIQUE,
        name             TEXT NOT NULL UNIQUE,
        description      TEXT,
        kms_key_id       TEXT,
        type             TEXT,
        created_ms       INTEGER NOT NULL,
        last_changed_ms  INTEGER NOT NULL,
        last_accessed_ms INTEGER,
        deleted_ms       INTEGER,
        purge_after_ms   INTEGER,
        tags             TEXT,
        stages           TEXT NOT NULL,
        version_count    INTEGER NOT NULL,
        revision         INTEGER NOT NULL
      );
      CREATE INDEX secrets_by_created ON secrets(created_ms, arn);
      CREATE INDEX secrets_by_changed ON secrets(last_changed_ms, arn);
      CREATE INDEX secrets_by_accessed ON secrets(coalesce(last_accessed_ms, 0), arn);
      CREATE INDEX secrets_purge ON secrets(purge_after_ms) WHERE purge_after_ms IS NOT NULL;

      CREATE TABLE secret_versions(
        id               INTEGER PRIMARY KEY,
        secret_id        INTEGER NOT NULL,
        version_id       TEXT NOT NULL,
        created_ms       INTEGER NOT NULL,
        last_accessed_ms INTEGER,
        kms_key_arn      TEXT NOT NULL,
        is_binary        INTEGER NOT NULL,
        ciphertext       BLOB NOT NULL,
        UNIQUE(secret_id, version_id)
      );

      CREATE TABLE access_keys(
        access_key_id  TEXT PRIMARY KEY,
        principal_type TEXT NOT NULL,
        principal_arn  TEXT NOT NULL,
        principal_id   TEXT NOT NULL,
        account_id     TEXT NOT NULL,
        principal_name TEXT NOT NULL,
        sealed_secret  BLOB NOT NULL,
        active         INTEGER NOT NULL,
        created_ms     INTEGER NOT NULL,
        expires_ms     INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX access_keys_by_principal ON access_keys(principal_arn, access_key_id);
      )sql",
      // 2: KMS keys remember their pending-deletion window.
      R"sql(
      ALTER TABLE kms_keys ADD COLUMN pending_window_days INTEGER NOT NULL DEFAULT 0;
      )sql",
      // 3: SSM parameters. `path` is the lookup key ("/x" for "x"); `parent` ("/a/" for "/a/b")
      // with (parent, path) serves one-level listings, the unique index on `path` recursive ones,
      // both paged by keyset on `path`.
      R"sql(
      CREATE TABLE ssm_parameters(
        id            INTEGER PRIMARY KEY,
        path          TEXT NOT NULL UNIQUE,
        parent        TEXT NOT NULL,
        name          TEXT NOT NULL,
        arn           TEXT NOT NULL,
        version       INTEGER NOT NULL,
        version_count INTEGER NOT NULL,
        tags          TEXT NOT NULL,
        labels        TEXT NOT NULL,
        revision      INTEGER NOT NULL
      );
      CREATE INDEX ssm_parameters_by_parent ON ssm_parameters(parent, path);

      CREATE TABLE ssm_parameter_versions(
        parameter_id    INTEGER NOT NULL,
        version         INTEGER NOT NULL,
        type            TEXT NOT NULL,
        description     TEXT,
        allowed_pattern TEXT,
        key_id          TEXT,
        tier            TEXT NOT NULL,
        policies        TEXT NOT NULL,
        data_type       TEXT NOT NULL,
        modified_ms     INTEGER NOT NULL,
        modified_user   TEXT NOT NULL,
        value           BLOB NOT NULL,
        PRIMARY KEY(parameter_id, version)
      ) WITHOUT ROWID;
      )sql",
      // 4: a root-key rotation waiting for its new unseal keys (Shamir): the singleton row names
      // it, keyring_pending_terms holds every term sealed under the new root key until commit.
      R"sql(
      CREATE TABLE keyring_pending_root(
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        nonce      TEXT NOT NULL,
        created_ms INTEGER NOT NULL
      );

      CREATE TABLE keyring_pending_terms(
        term   INTEGER PRIMARY KEY,
        sealed BLOB NOT NULL
      );
      )sql",
      // 5: IAM (users, roles, managed policies, OIDC providers; one JSON row each) and Secrets
      // Manager resource policies.
      R"sql(
      CREATE TABLE iam_entities(
        kind TEXT NOT NULL,
        key  TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY(kind, key)
      ) WITHOUT ROWID;

      ALTER TABLE secrets ADD COLUMN resource_policy TEXT;
      )sql",
  };
  return steps;
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Steps().size()); }

Result<void> Migrate(Connection& conn) {
  COFFER_ASSIGN_OR_RETURN(Statement st, conn.Prepare("PRAGMA user_version"));
  COFFER_ASSIGN_OR_RETURN(bool row, st.Step());
  int64_t current = row ? st.Int(0) : 0;
  int latest = LatestSchemaVersion();
  if (current > latest) {
    return FailedPreconditionError("the data directory was written by a newer Coffer (schema " +
                                   std::to_string(current) + ", this binary knows " +
                                   std::to_string(latest) + ")");
  }
  for (int v = static_cast<int>(current); v < latest; ++v) {
    COFFER_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
    auto applied = conn.Exec(Steps()[v]);
    if (applied.has_value()) {
      std::string pragma = "PRAGMA user_version = " + std::to_string(v + 1);
      applied = conn.Exec(pragma.c_str());
    }
    if (!applied.has_value()) {
      (void)conn.Exec("ROLLBACK");
      return applied;
    }
    COFFER_RETURN_IF_ERROR(conn.Exec("COMMIT"));
  }
  return Ok();
}

}  // namespace coffer::storage::sqlite
