package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
)

// Status is a version's state. A version is pending when recorded, building
// while the pipeline works, then published (available to serve and to roll
// back to) or failed; retention moves old published versions to retired,
// after which their file may be deleted.
type Status string

// The version statuses.
const (
	Pending   Status = "pending"
	Building  Status = "building"
	Published Status = "published"
	Failed    Status = "failed"
	Retired   Status = "retired"
)

// Layer is a planning layer owned by an organisation. CurrentVersion is the
// version served (0 while none is published).
type Layer struct {
	ID             string `json:"id"`
	Title          string `json:"title"`
	Owner          string `json:"owner"`
	CurrentVersion int    `json:"current_version"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
}

// Version is one upload of a layer, built into its own immutable file.
type Version struct {
	Layer        string          `json:"layer"`
	Number       int             `json:"number"`
	SourceHash   string          `json:"source_hash"` // sha256 of the raw upload, hex
	Uploader     string          `json:"uploader"`    // the principal's Actor()
	CreatedAt    string          `json:"created_at"`
	UpdatedAt    string          `json:"updated_at"`
	FeatureCount int64           `json:"feature_count"`
	Bounds       *[4]float64     `json:"bounds,omitempty"` // WGS 84 west, south, east, north
	CRS          string          `json:"crs,omitempty"`    // the source CRS, e.g. "EPSG:9206"
	Status       Status          `json:"status"`
	Messages     json.RawMessage `json:"messages"` // a JSON array the pipeline writes
	File         string          `json:"file"`     // relative to the data directory; see Catalog.Path
}

// NewVersion is what an upload tells the catalog before building.
type NewVersion struct {
	// Title sets the layer's title (required for a new layer; kept when
	// empty for an existing one).
	Title string
	// Owner is the organisation that will own a new layer. A non-admin
	// principal's own organisation when empty; an admin must name one.
	Owner string
	// SourceHash is the hex SHA-256 of the raw upload (see StoreSource).
	SourceHash string
	// Job, when set, is the upload job building this version: its version
	// is recorded in the same transaction, so that after a crash
	// RecoverInterrupted knows whether the job's version was published.
	Job string
}

// VersionResult is what the pipeline reports when a version is built.
type VersionResult struct {
	FeatureCount int64
	Bounds       *[4]float64
	CRS          string
	Messages     json.RawMessage // a JSON array; nil for none
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// VersionFile is where version n of layer lives, relative to the data
// directory (see Catalog.Path); the publish pipeline writes it there.
func VersionFile(layer string, n int) string { return versionFile(layer, n) }

// versionFile is where version n of layer lives, relative to the data
// directory: one immutable file per version, beside the others.
func versionFile(layer string, n int) string {
	return fmt.Sprintf("layers/%s/%s.v%d.mbtiles", layer, layer, n)
}

// AddVersion records a new pending version of layer id, creating the
// layer (owned by nv.Owner or by's organisation) on its first upload. by
// must be allowed to modify the layer.
func (c *Catalog) AddVersion(ctx context.Context, by Principal, id string, nv NewVersion) (Version, error) {
	if err := checkID("layer id", id); err != nil {
		return Version{}, err
	}
	if !sha256Hex.MatchString(nv.SourceHash) {
		return Version{}, errorf(Invalid, "source hash %q is not a hex SHA-256", clip(nv.SourceHash))
	}
	title := ""
	if nv.Title != "" {
		var err error
		if title, err = cleanName("layer title", nv.Title); err != nil {
			return Version{}, err
		}
	}
	var v Version
	err := c.write(ctx, func(tx *sql.Tx) error {
		now := c.now()
		l, err := c.layer(ctx, tx, id)
		switch {
		case err == nil:
			if err := by.CanModifyLayer(l); err != nil {
				return err
			}
			if title != "" && title != l.Title {
				if _, err := tx.ExecContext(ctx, `UPDATE layers SET title = ? WHERE id = ?`, title, id); err != nil {
					return internal("set layer title", err)
				}
			}
		case ErrorKind(err) == NotFound:
			owner := nv.Owner
			if owner == "" {
				owner = by.Org
			}
			if owner == "" {
				return errorf(Invalid, "new layer %q needs an owner organisation", id)
			}
			if err := by.CanActFor(owner); err != nil {
				return err
			}
			if title == "" {
				title = id
			}
			if ok, err := exists(ctx, tx, `SELECT 1 FROM orgs WHERE id = ?`, owner); err != nil || !ok {
				if err == nil {
					err = errorf(NotFound, "no organisation %q", clip(owner))
				}
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO layers (id, title, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
				id, title, owner, fmtTime(now), fmtTime(now)); err != nil {
				return internal("add layer", err)
			}
			if err := c.audit(ctx, tx, by, "layer.add", "layer:"+id, map[string]string{"owner": owner, "title": title}); err != nil {
				return err
			}
		default:
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT MAX(
				(SELECT COALESCE(MAX(number), 0) FROM versions WHERE layer = ?),
				(SELECT COALESCE(MAX(last_version), 0) FROM deleted_layers WHERE id = ?)) + 1`, id, id).Scan(&n); err != nil {
			return internal("number version", err)
		}
		v = Version{Layer: id, Number: n, SourceHash: nv.SourceHash, Uploader: by.Actor(),
			CreatedAt: now.Format(rfc3339), UpdatedAt: now.Format(rfc3339), Status: Pending,
			Messages: json.RawMessage("[]"), File: versionFile(id, n)}
		if _, err := tx.ExecContext(ctx, `INSERT INTO versions (layer, number, source_hash, uploader, created_at, updated_at, status, file)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, n, v.SourceHash, v.Uploader, fmtTime(now), fmtTime(now), string(Pending), v.File); err != nil {
			return internal("add version", err)
		}
		if nv.Job != "" {
			r, err := tx.ExecContext(ctx, `UPDATE jobs SET version = ?, updated_at = ? WHERE id = ? AND layer = ? AND state IN ('queued', 'running')`,
				n, fmtTime(now), nv.Job, id)
			if err != nil {
				return internal("add version", err)
			}
			if k, _ := r.RowsAffected(); k != 1 {
				return errorf(NotFound, "no unfinished job %q for layer %q", clip(nv.Job), id)
			}
		}
		return c.audit(ctx, tx, by, "version.add", fmt.Sprintf("layer:%s/v%d", id, n), map[string]string{"source_hash": v.SourceHash})
	})
	return v, err
}

// StartVersion marks a pending version as building. by must be allowed to
// modify the layer (the uploader, or the server acting as System).
func (c *Catalog) StartVersion(ctx context.Context, by Principal, layer string, n int) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		if err := c.authorize(ctx, tx, by, layer); err != nil {
			return err
		}
		if err := c.moveVersion(ctx, tx, layer, n, []Status{Pending}, Building, nil); err != nil {
			return err
		}
		return c.audit(ctx, tx, by, "version.build", fmt.Sprintf("layer:%s/v%d", layer, n), nil)
	})
}

// FailVersion marks a pending or building version as failed with the
// reasons (a JSON array). The served version does not change.
func (c *Catalog) FailVersion(ctx context.Context, by Principal, layer string, n int, messages json.RawMessage) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		if err := c.authorize(ctx, tx, by, layer); err != nil {
			return err
		}
		if err := c.moveVersion(ctx, tx, layer, n, []Status{Pending, Building}, Failed, &VersionResult{Messages: messages}); err != nil {
			return err
		}
		return c.audit(ctx, tx, by, "version.fail", fmt.Sprintf("layer:%s/v%d", layer, n), nil)
	})
}

// Publish records a built version as published and makes it the layer's
// current version, in one transaction: a caller switches the served file
// only after Publish returned nil. Retention then retires the published
// versions beyond the newest KeepVersions; the files of those versions are
// returned for the caller to delete.
func (c *Catalog) Publish(ctx context.Context, by Principal, layer string, n int, res VersionResult) (retired []string, err error) {
	err = c.write(ctx, func(tx *sql.Tx) error {
		if err := c.authorize(ctx, tx, by, layer); err != nil {
			return err
		}
		if err := c.moveVersion(ctx, tx, layer, n, []Status{Pending, Building}, Published, &res); err != nil {
			return err
		}
		if err := c.setCurrent(ctx, tx, layer, n); err != nil {
			return err
		}
		if err := c.audit(ctx, tx, by, "version.publish", fmt.Sprintf("layer:%s/v%d", layer, n),
			map[string]any{"features": res.FeatureCount, "crs": res.CRS}); err != nil {
			return err
		}
		retired, err = c.retain(ctx, tx, by, layer)
		return err
	})
	return retired, err
}

// retain retires the published versions of layer that are neither the
// current one nor among the newest KeepVersions.
func (c *Catalog) retain(ctx context.Context, tx *sql.Tx, by Principal, layer string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT number, file FROM versions
		WHERE layer = ? AND status = 'published'
		  AND number <> (SELECT current_version FROM layers WHERE id = ?)
		ORDER BY number DESC LIMIT -1 OFFSET ?`, layer, layer, c.opts.KeepVersions-1)
	if err != nil {
		return nil, internal("retention", err)
	}
	var nums []int
	var files []string
	for rows.Next() {
		var n int
		var f string
		if err := rows.Scan(&n, &f); err != nil {
			rows.Close()
			return nil, internal("retention", err)
		}
		nums, files = append(nums, n), append(files, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("retention", err)
	}
	for _, n := range nums {
		if _, err := tx.ExecContext(ctx, `UPDATE versions SET status = 'retired', updated_at = ? WHERE layer = ? AND number = ?`,
			fmtTime(c.now()), layer, n); err != nil {
			return nil, internal("retention", err)
		}
		if err := c.audit(ctx, tx, by, "version.retire", fmt.Sprintf("layer:%s/v%d", layer, n),
			map[string]int{"keep": c.opts.KeepVersions}); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// Rollback makes an earlier (or later) published version of layer the
// current one. It is a catalog change only: the version's file exists
// already, nothing is rebuilt. by must be the owner or an admin; the
// version must be published (not failed, pending or retired) and not
// current already.
func (c *Catalog) Rollback(ctx context.Context, by Principal, layer string, n int) (Layer, error) {
	var l Layer
	err := c.write(ctx, func(tx *sql.Tx) error {
		var err error
		if l, err = c.layer(ctx, tx, layer); err != nil {
			return err
		}
		if err := by.CanModifyLayer(l); err != nil {
			return err
		}
		var st string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM versions WHERE layer = ? AND number = ?`, layer, n).Scan(&st); err != nil {
			return notFound(err, "layer %q has no version %d", layer, n)
		}
		if Status(st) != Published {
			return errorf(Conflict, "version %d of layer %q is %s, not published: it cannot be served", n, layer, st)
		}
		if l.CurrentVersion == n {
			return errorf(Conflict, "version %d of layer %q is current already", n, layer)
		}
		if err := c.setCurrent(ctx, tx, layer, n); err != nil {
			return err
		}
		if err := c.audit(ctx, tx, by, "layer.rollback", "layer:"+layer, map[string]int{"from": l.CurrentVersion, "to": n}); err != nil {
			return err
		}
		l, err = c.layer(ctx, tx, layer)
		return err
	})
	return l, err
}

// authorize checks that by may modify layer.
func (c *Catalog) authorize(ctx context.Context, tx *sql.Tx, by Principal, layer string) error {
	l, err := c.layer(ctx, tx, layer)
	if err != nil {
		return err
	}
	return by.CanModifyLayer(l)
}

func (c *Catalog) setCurrent(ctx context.Context, tx *sql.Tx, layer string, n int) error {
	if _, err := tx.ExecContext(ctx, `UPDATE layers SET current_version = ?, updated_at = ? WHERE id = ?`, n, fmtTime(c.now()), layer); err != nil {
		return internal("set current version", err)
	}
	return nil
}

// moveVersion changes a version's status from one of from to to, with the
// results when res is not nil; Conflict when it is in another status.
func (c *Catalog) moveVersion(ctx context.Context, tx *sql.Tx, layer string, n int, from []Status, to Status, res *VersionResult) error {
	var st string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM versions WHERE layer = ? AND number = ?`, layer, n).Scan(&st); err != nil {
		return notFound(err, "layer %q has no version %d", clip(layer), n)
	}
	ok := false
	for _, f := range from {
		ok = ok || Status(st) == f
	}
	if !ok {
		return errorf(Conflict, "version %d of layer %q is %s, it cannot become %s", n, layer, st, to)
	}
	now := fmtTime(c.now())
	if res == nil {
		_, err := tx.ExecContext(ctx, `UPDATE versions SET status = ?, updated_at = ? WHERE layer = ? AND number = ?`, string(to), now, layer, n)
		if err != nil {
			return internal("update version", err)
		}
		return nil
	}
	msgs := res.Messages
	if len(msgs) == 0 {
		msgs = json.RawMessage("[]")
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(msgs, &arr); err != nil {
		return errorf(Invalid, "version messages are not a JSON array: %v", err)
	}
	var bounds any
	if res.Bounds != nil {
		b, _ := json.Marshal(res.Bounds)
		bounds = string(b)
	}
	_, err := tx.ExecContext(ctx, `UPDATE versions SET status = ?, updated_at = ?, feature_count = ?, bounds = ?, crs = ?, messages = ?
		WHERE layer = ? AND number = ?`, string(to), now, res.FeatureCount, bounds, res.CRS, string(msgs), layer, n)
	if err != nil {
		return internal("update version", err)
	}
	return nil
}

const layerSelect = `SELECT id, title, owner, COALESCE(current_version, 0), created_at, updated_at FROM layers`

func scanLayer(r scanner) (Layer, error) {
	var l Layer
	var created, updated string
	if err := r.Scan(&l.ID, &l.Title, &l.Owner, &l.CurrentVersion, &created, &updated); err != nil {
		return Layer{}, notFound(err, "no such layer")
	}
	l.CreatedAt = parseTime(created).Format(rfc3339)
	l.UpdatedAt = parseTime(updated).Format(rfc3339)
	return l, nil
}

func (c *Catalog) layer(ctx context.Context, tx *sql.Tx, id string) (Layer, error) {
	l, err := scanLayer(tx.QueryRowContext(ctx, layerSelect+` WHERE id = ?`, id))
	if ErrorKind(err) == NotFound {
		return Layer{}, errorf(NotFound, "no layer %q", clip(id))
	}
	return l, err
}

// Layer returns layer id.
func (c *Catalog) Layer(ctx context.Context, id string) (Layer, error) {
	l, err := scanLayer(c.db.QueryRowContext(ctx, layerSelect+` WHERE id = ?`, id))
	if ErrorKind(err) == NotFound {
		return Layer{}, errorf(NotFound, "no layer %q", clip(id))
	}
	return l, err
}

// Layers lists the layers by id.
func (c *Catalog) Layers(ctx context.Context) ([]Layer, error) {
	rows, err := c.db.QueryContext(ctx, layerSelect+` ORDER BY id`)
	if err != nil {
		return nil, internal("list layers", err)
	}
	defer rows.Close()
	out := []Layer{}
	for rows.Next() {
		l, err := scanLayer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list layers", err)
	}
	return out, nil
}

// Versions lists the versions of layer id, newest first; NotFound for an
// unknown layer.
func (c *Catalog) Versions(ctx context.Context, id string) ([]Version, error) {
	if _, err := c.Layer(ctx, id); err != nil {
		return nil, err
	}
	rows, err := c.db.QueryContext(ctx, `SELECT layer, number, source_hash, uploader, created_at, updated_at,
		feature_count, bounds, crs, status, messages, file FROM versions WHERE layer = ? ORDER BY number DESC`, id)
	if err != nil {
		return nil, internal("list versions", err)
	}
	defer rows.Close()
	out := []Version{}
	for rows.Next() {
		var v Version
		var created, updated, st, msgs string
		var bounds sql.NullString
		if err := rows.Scan(&v.Layer, &v.Number, &v.SourceHash, &v.Uploader, &created, &updated,
			&v.FeatureCount, &bounds, &v.CRS, &st, &msgs, &v.File); err != nil {
			return nil, internal("list versions", err)
		}
		v.CreatedAt = parseTime(created).Format(rfc3339)
		v.UpdatedAt = parseTime(updated).Format(rfc3339)
		v.Status = Status(st)
		v.Messages = json.RawMessage(msgs)
		if bounds.Valid {
			var b [4]float64
			if json.Unmarshal([]byte(bounds.String), &b) == nil {
				v.Bounds = &b
			}
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list versions", err)
	}
	return out, nil
}

// DeleteLayer removes layer id and the records of all its versions (admin
// only) and returns the version files for the caller to delete once the
// layer is no longer served. Jobs and the audit log keep their history;
// raw uploads are kept (other layers may share them). The id may be used
// again afterwards; its version numbers go on from the deleted layer's.
func (c *Catalog) DeleteLayer(ctx context.Context, by Principal, id string) (files []string, err error) {
	if err := by.RequireAdmin(); err != nil {
		return nil, err
	}
	err = c.write(ctx, func(tx *sql.Tx) error {
		l, err := c.layer(ctx, tx, id)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT file FROM versions WHERE layer = ? ORDER BY number`, id)
		if err != nil {
			return internal("delete layer", err)
		}
		files = nil
		for rows.Next() {
			var f string
			if err := rows.Scan(&f); err != nil {
				rows.Close()
				return internal("delete layer", err)
			}
			files = append(files, f)
		}
		rows.Close()
		// Remember the last number: a layer made again under this id goes
		// on from it, so no versioned URL ever names two contents.
		if _, err := tx.ExecContext(ctx, `INSERT INTO deleted_layers (id, last_version, deleted_at)
			VALUES (?, (SELECT COALESCE(MAX(number), 0) FROM versions WHERE layer = ?), ?)
			ON CONFLICT (id) DO UPDATE SET last_version = MAX(last_version, excluded.last_version), deleted_at = excluded.deleted_at`,
			id, id, fmtTime(c.now())); err != nil {
			return internal("delete layer", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE layers SET current_version = NULL WHERE id = ?`, id); err != nil {
			return internal("delete layer", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM versions WHERE layer = ?`, id); err != nil {
			return internal("delete layer", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM layers WHERE id = ?`, id); err != nil {
			return internal("delete layer", err)
		}
		return c.audit(ctx, tx, by, "layer.delete", "layer:"+id,
			map[string]any{"owner": l.Owner, "title": l.Title, "versions": len(files), "current_version": l.CurrentVersion})
	})
	return files, err
}
