package catalog

import "database/sql"

// OpenAtVersion opens dir migrating only up to schema version v, so that a
// test can build an old database and check the upgrade.
func OpenAtVersion(dir string, opts Options, v int) (*Catalog, error) { return open(dir, opts, v) }

// DB exposes the database for tests that must try what the API refuses.
func (c *Catalog) DB() *sql.DB { return c.db }
