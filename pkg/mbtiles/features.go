package mbtiles

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/sonla-gis/plantile/pkg/index"
)

// Exact features live beside the tiles in two extra tables (the MBTiles
// spec allows them), so that one file is one published version: the tiles
// and the features they were cut from.
//
//	plantile_layers (name TEXT PRIMARY KEY, position INTEGER, format INTEGER,
//	                 features INTEGER, bytes INTEGER, sha256 TEXT)
//	plantile_features (name TEXT, part INTEGER, data BLOB, PRIMARY KEY (name, part))
//
// Each layer is one blob in the columnar encoding of pkg/index
// (index.FormatVersion, recorded in format), split into parts of at most
// featurePart bytes because SQLite caps a blob at 1 GB; sha256 is that of
// the whole blob, checked on load.
const featuresSchema = `
CREATE TABLE IF NOT EXISTS plantile_layers (name TEXT PRIMARY KEY, position INTEGER NOT NULL, format INTEGER NOT NULL, features INTEGER NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS plantile_features (name TEXT NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (name, part));
`

// featurePart is the largest blob part written.
const featurePart = 64 << 20

// VersionKey is the metadata name of the version id that `plantile build`
// writes: it tells two builds apart even when their tiles are equal.
const VersionKey = "plantile:version"

// NewVersion returns a fresh random version id: 128 bits in hex.
func NewVersion() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ErrFeatures means a file's stored features are damaged.
var ErrFeatures = errors.New("mbtiles: bad stored features")

// PutFeatures stores the exact features of l under its name (l.Info().Name),
// after the layers already stored. It must come before Commit.
func (w *Writer) PutFeatures(l *index.Layer) error {
	name := l.Info().Name
	blob, err := l.MarshalBinary()
	if err != nil {
		return fmt.Errorf("mbtiles: features %s: %w", name, err)
	}
	sum := sha256.Sum256(blob)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return ErrClosed
	}
	if err := w.flush(); err != nil {
		return fmt.Errorf("mbtiles: commit batch: %w", err)
	}
	if err := w.putFeatures(name, l.Len(), blob, hex.EncodeToString(sum[:])); err != nil {
		return fmt.Errorf("mbtiles: features %s: %w", name, err)
	}
	return nil
}

func (w *Writer) putFeatures(name string, n int, blob []byte, sum string) error {
	tx, err := w.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(featuresSchema); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO plantile_layers (name, position, format, features, bytes, sha256)
		VALUES (?, (SELECT count(*) FROM plantile_layers), ?, ?, ?, ?)`, name, index.FormatVersion, n, len(blob), sum); err != nil {
		if isConstraint(err) {
			return fmt.Errorf("layer %q stored twice", name)
		}
		return err
	}
	for part := 0; part*featurePart < len(blob) || part == 0; part++ {
		chunk := blob[part*featurePart : min(len(blob), (part+1)*featurePart)]
		if _, err := tx.Exec(`INSERT INTO plantile_features (name, part, data) VALUES (?, ?, ?)`, name, part, chunk); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// LayerEntry describes one stored feature layer.
type LayerEntry struct {
	Name     string
	Format   int   // index.FormatVersion of the blob
	Features int64 // feature count
	Bytes    int64 // blob size
	SHA256   string
}

// FeatureLayers lists the stored feature layers in the order they were
// written; nil for a file without stored features (built before they
// existed, or by another tool), which still serves tiles.
func (r *Reader) FeatureLayers(ctx context.Context) ([]LayerEntry, error) {
	var n int
	if err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('plantile_layers', 'plantile_features')`).Scan(&n); err != nil {
		return nil, fmt.Errorf("mbtiles: %s: features: %w", r.path, err)
	}
	if n != 2 {
		return nil, nil
	}
	rows, err := r.db.QueryContext(ctx, `SELECT name, format, features, bytes, sha256 FROM plantile_layers ORDER BY position`)
	if err != nil {
		return nil, fmt.Errorf("mbtiles: %s: features: %w", r.path, err)
	}
	defer rows.Close()
	var out []LayerEntry
	for rows.Next() {
		var e LayerEntry
		if err := rows.Scan(&e.Name, &e.Format, &e.Features, &e.Bytes, &e.SHA256); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrFeatures, r.path, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mbtiles: %s: features: %w", r.path, err)
	}
	return out, nil
}

// Features loads every stored feature layer into the index, in the order
// they were written: blobs checked against their size and SHA-256, then
// decoded column by column (index.Decode). A file without stored features
// gives nil and no error. A damaged one gives an error wrapping
// ErrFeatures that names the layer.
func (r *Reader) Features(ctx context.Context) ([]*index.Layer, error) {
	entries, err := r.FeatureLayers(ctx)
	if err != nil || entries == nil {
		return nil, err
	}
	out := make([]*index.Layer, 0, len(entries))
	for _, e := range entries {
		l, err := r.loadLayer(ctx, e)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

func (r *Reader) loadLayer(ctx context.Context, e LayerEntry) (*index.Layer, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: layer %s: %s", ErrFeatures, r.path, e.Name, fmt.Sprintf(format, args...))
	}
	if e.Format != index.FormatVersion {
		return nil, bad("format %d, this program reads %d", e.Format, index.FormatVersion)
	}
	// The recorded size sizes the buffer, but never beyond the file: a
	// damaged table cannot make the load allocate more than that.
	total := e.Bytes
	fi, err := os.Stat(r.path)
	if err != nil {
		return nil, bad("%v", err)
	}
	if total < 0 || total > fi.Size() {
		return nil, bad("%d bytes recorded in a file of %d", total, fi.Size())
	}
	rows, err := r.db.QueryContext(ctx, `SELECT part, data FROM plantile_features WHERE name = ? ORDER BY part`, e.Name)
	if err != nil {
		return nil, bad("%v", err)
	}
	defer rows.Close()
	blob := make([]byte, 0, total)
	next := 0
	for rows.Next() {
		var part int
		var data sql.RawBytes
		if err := rows.Scan(&part, &data); err != nil {
			return nil, bad("%v", err)
		}
		if part != next {
			return nil, bad("part %d where %d was expected", part, next)
		}
		if int64(len(blob)+len(data)) > total {
			return nil, bad("more bytes than recorded")
		}
		blob = append(blob, data...)
		next++
	}
	if err := rows.Err(); err != nil {
		return nil, bad("%v", err)
	}
	if int64(len(blob)) != e.Bytes {
		return nil, bad("%d bytes read, %d recorded", len(blob), e.Bytes)
	}
	if sum := sha256.Sum256(blob); hex.EncodeToString(sum[:]) != e.SHA256 {
		return nil, bad("SHA-256 does not match: the blob is damaged")
	}
	l, err := index.Decode(blob)
	if err != nil {
		return nil, bad("%v", err)
	}
	if l.Info().Name != e.Name || int64(l.Len()) != e.Features {
		return nil, bad("blob holds layer %q of %d features", l.Info().Name, l.Len())
	}
	return l, nil
}

// Version returns the version id that the build wrote (VersionKey), or ""
// for a file without one.
func (r *Reader) Version() string { return r.meta.Extra[VersionKey] }

// StampVersion writes id as the version id (VersionKey) of the MBTiles file
// at path, which nothing else may have open: a file imported as a catalog
// version is stamped with the catalog's id before it is renamed into place,
// so that its tiles and features name the version that serves them.
func StampVersion(path, id string) error {
	db, err := sql.Open("sqlite3", "file:"+uriPath(path)+"?_journal_mode=DELETE&_synchronous=FULL")
	if err != nil {
		return fmt.Errorf("mbtiles: %s: %w", path, err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT OR REPLACE INTO metadata (name, value) VALUES (?, ?)`, VersionKey, id); err != nil {
		return fmt.Errorf("mbtiles: stamp version of %s: %w", path, err)
	}
	return db.Close()
}
