package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
)

// AuditEntry is one line of the audit log: who did what to which target,
// when, with details (never a secret).
type AuditEntry struct {
	Seq     int64           `json:"seq"`
	At      string          `json:"at"` // RFC 3339, UTC
	Actor   string          `json:"actor"`
	Action  string          `json:"action"`
	Target  string          `json:"target"`
	Details json.RawMessage `json:"details"`
}

// audit appends an entry inside tx, so that the change and its record
// commit or fail together.
func (c *Catalog) audit(ctx context.Context, tx *sql.Tx, by Principal, action, target string, details any) error {
	if details == nil {
		details = struct{}{}
	}
	d, err := json.Marshal(details)
	if err != nil {
		return internal("audit "+action, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)`,
		fmtTime(c.now()), by.Actor(), action, target, string(d))
	if err != nil {
		return internal("audit "+action, err)
	}
	return nil
}

// Audit returns the last limit entries of the audit log (all when limit
// <= 0), oldest first.
func (c *Catalog) Audit(ctx context.Context, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := c.db.QueryContext(ctx, `SELECT seq, at, actor, action, target, details FROM
		(SELECT * FROM audit ORDER BY seq DESC LIMIT ?) ORDER BY seq`, limit)
	if err != nil {
		return nil, internal("read audit log", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at, d string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Target, &d); err != nil {
			return nil, internal("read audit log", err)
		}
		e.At = parseTime(at).Format(rfc3339)
		e.Details = json.RawMessage(d)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("read audit log", err)
	}
	return out, nil
}

const rfc3339 = "2006-01-02T15:04:05.000Z07:00"
