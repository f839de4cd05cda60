// Package catalog is plantile's durable state: organisations, layers and
// their versions, users, API tokens, upload jobs and an append-only audit
// log, kept in one SQLite database (github.com/mattn/go-sqlite3) in a data
// directory.
//
// It sits beside the publish pipeline and below the HTTP server: the
// pipeline records each version it builds here, the server asks it who a
// token or user is and whether they may touch a layer, and it decides which
// version of each layer is served. It knows nothing of HTTP; its errors
// carry a Kind (NotFound, Conflict, Invalid, Unauthorized, Forbidden) that
// one place in the server maps to status codes.
//
// Since 1 July 2025 Son La has no districts: the owner of a layer is an
// organisation of a closed set of kinds (see OrgKind): the province, a
// provincial department, a commune, a ward, a former district whose layers
// still circulate, or "other" (the bundled demo, consultants).
//
// Durability and concurrency: the database runs in WAL mode with foreign
// keys on and a busy timeout, every write is one IMMEDIATE transaction (so
// two writers, in one process or two, queue instead of deadlocking), and
// every change is recorded in the audit table in the same transaction as the
// change itself. Triggers refuse UPDATE and DELETE on the audit table, so
// even a hand-written SQL statement cannot rewrite history without dropping
// the triggers first.
//
// Not audited, because they are bookkeeping rather than changes and an
// attacker could otherwise grow the log at will: a token's last use
// (recorded at most once a minute), sign-ins and failed sign-ins below the
// lockout (a lockout is audited), and job progress within a state (job
// state changes are audited).
//
// Secrets: only SHA-256 hashes of API tokens and argon2id hashes of
// passwords are stored; both are compared in constant time. A token reads
// "plt_<id>_<secret>": the id finds the row without scanning, the secret
// (32 random bytes) is what the hash protects.
//
// Schema changes are numbered migrations, each applied in its own
// transaction and recorded in schema_migrations; a database newer than the
// binary is refused rather than guessed at.
package catalog
