package catalog

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema, one step per release that changed it. Each
// runs in its own transaction; a step, once released, is never edited:
// changes go into a new step.
var migrations = [...]string{
	// 1: organisations, layers and versions, API tokens, the audit log.
	`
CREATE TABLE orgs (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL CHECK (kind IN ('province','department','commune','ward','former-district','other')),
	created_at TEXT NOT NULL
);
CREATE TABLE layers (
	id              TEXT PRIMARY KEY,
	title           TEXT NOT NULL,
	owner           TEXT NOT NULL REFERENCES orgs(id),
	current_version INTEGER,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	FOREIGN KEY (id, current_version) REFERENCES versions(layer, number) DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE versions (
	layer         TEXT NOT NULL REFERENCES layers(id),
	number        INTEGER NOT NULL CHECK (number >= 1),
	source_hash   TEXT NOT NULL,
	uploader      TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	feature_count INTEGER NOT NULL DEFAULT 0,
	bounds        TEXT,
	crs           TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL CHECK (status IN ('pending','building','published','failed','retired')),
	messages      TEXT NOT NULL DEFAULT '[]',
	file          TEXT NOT NULL,
	PRIMARY KEY (layer, number)
);
CREATE TABLE tokens (
	id         TEXT PRIMARY KEY,
	hash       BLOB NOT NULL,
	org        TEXT REFERENCES orgs(id),
	admin      INTEGER NOT NULL DEFAULT 0,
	label      TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	revoked_at TEXT,
	CHECK ((admin = 1 AND org IS NULL) OR (admin = 0 AND org IS NOT NULL))
);
CREATE TABLE audit (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	at      TEXT NOT NULL,
	actor   TEXT NOT NULL,
	action  TEXT NOT NULL,
	target  TEXT NOT NULL,
	details TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`,
	// 2: users (with lockout), upload jobs, the last use of a token.
	`
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
CREATE TABLE users (
	name          TEXT PRIMARY KEY,
	org           TEXT NOT NULL REFERENCES orgs(id),
	password_hash TEXT NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until  TEXT,
	last_login_at TEXT,
	created_at    TEXT NOT NULL
);
CREATE TABLE jobs (
	id         TEXT PRIMARY KEY,
	layer      TEXT NOT NULL,
	org        TEXT NOT NULL REFERENCES orgs(id),
	version    INTEGER,
	state      TEXT NOT NULL CHECK (state IN ('queued','running','succeeded','failed')),
	step       TEXT NOT NULL DEFAULT '',
	progress   REAL NOT NULL DEFAULT 0,
	reasons    TEXT NOT NULL DEFAULT '[]',
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX jobs_state ON jobs(state);
`,
	// 3: the last version number of deleted layers, so that a layer made
	// again under the same id never reuses a number (versioned tile URLs
	// are cached as immutable).
	`
CREATE TABLE deleted_layers (
	id           TEXT PRIMARY KEY,
	last_version INTEGER NOT NULL,
	deleted_at   TEXT NOT NULL
);
`,
	// 4: a job's progress as done of total units of its step, and the
	// one-line error of a failed job (the upload API shows both).
	`
ALTER TABLE jobs ADD COLUMN done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN error TEXT NOT NULL DEFAULT '';
`,
}

// SchemaVersion is the schema version this binary writes.
const SchemaVersion = len(migrations)

// migrate applies the migrations above the database's version, up to target.
func (c *Catalog) migrate(ctx context.Context, target int) error {
	if _, err := c.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL)`); err != nil {
		return internal("create schema_migrations", err)
	}
	for {
		done, err := c.migrateOne(ctx, target)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration in a transaction that also reads
// the version, so two processes opening one new database do not both apply
// it. It reports done when nothing was left to apply.
func (c *Catalog) migrateOne(ctx context.Context, target int) (done bool, err error) {
	err = c.write(ctx, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
			return internal("read schema version", err)
		}
		if v > len(migrations) {
			return fmt.Errorf("catalog: %s has schema version %d, newer than this plantile knows (%d): upgrade plantile", FileName, v, len(migrations))
		}
		if v >= target {
			done = true
			return nil
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return internal(fmt.Sprintf("migrate to schema version %d", v+1), err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v+1, fmtTime(c.now()))
		if err != nil {
			return internal("record schema version", err)
		}
		return nil
	})
	return done, err
}

// Version returns the schema version of the open database.
func (c *Catalog) Version(ctx context.Context) (int, error) {
	var v int
	err := c.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, internal("read schema version", err)
	}
	return v, nil
}
