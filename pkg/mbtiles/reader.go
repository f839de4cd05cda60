package mbtiles

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/mattn/go-sqlite3"
)

// Reader serves tiles from an MBTiles file. It is safe for concurrent use by
// many goroutines.
//
// A Reader is pinned to the file it opened: when a build replaces the file
// at the same path by rename, the Reader keeps reading the old one until it
// is closed. That is what hot reload needs (open the new file, swap, close
// the old Reader) and it is why the file may be opened "immutable": the
// inode a Reader reads never changes, only the name moves on. The flip side:
// a file written in place by another tool while a Reader is open, or one in
// WAL mode that was never checkpointed, is read as it stands on disk.
type Reader struct {
	path  string
	pin   *os.File // holds the inode open so that its number is not reused
	db    *sql.DB
	stmt  *sql.Stmt
	meta  Metadata
	close sync.Once
}

// Open opens the MBTiles file at path read-only and checks that it holds
// vector tiles: a metadata table, a tiles table or view, and format=pbf.
func Open(path string) (*Reader, error) {
	pin, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mbtiles: open %s: %w", path, err)
	}
	r := &Reader{path: path, pin: pin}
	if err := r.init(); err != nil {
		r.Close()
		return nil, fmt.Errorf("mbtiles: open %s: %w", path, err)
	}
	return r, nil
}

func (r *Reader) init() error {
	fi, err := r.pin.Stat()
	if err != nil {
		return err
	}
	// immutable=1: no locks, no journal lookups, no change detection; the
	// file never changes under a Reader because writers only ever rename a
	// new file into place.
	c := &connector{
		dsn:  "file:" + uriPath(r.path) + "?mode=ro&immutable=1",
		path: r.path,
		pin:  fi,
		drv:  &sqlite3.SQLiteDriver{},
	}
	db := sql.OpenDB(c)
	r.db = db
	// database/sql opens connections lazily. One opened after a rebuild
	// renamed a new file into place would read the new file while the
	// others read the old one, so the pool is filled now and its
	// connections never expire; the connector refuses, rather than mixes,
	// should one ever be reopened. (SQLite resolves symlinks, so reopening
	// the pinned inode through /proc/self/fd does not work.)
	conns := max(4, 2*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := r.check(); err != nil {
		return err
	}
	if err := fillPool(db, conns); err != nil {
		return err
	}
	if r.stmt, err = db.Prepare(`SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?`); err != nil {
		return err
	}
	return nil
}

// connector opens SQLite connections to the file a Reader pinned, and fails
// when the path now names another file.
type connector struct {
	dsn  string
	path string
	pin  os.FileInfo
	drv  *sqlite3.SQLiteDriver
}

func (c *connector) Connect(context.Context) (driver.Conn, error) {
	if err := c.same(); err != nil {
		return nil, err
	}
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	// Checked before and after: the pinned inode cannot be reused while
	// the Reader holds it open, so the file opened in between is the same.
	if err := c.same(); err != nil {
		conn.Close()
		return nil, err
	}
	// Memory-map the file: tile reads become memory copies instead of a
	// pread per page, and all connections share the kernel's page cache.
	if _, err := conn.(*sqlite3.SQLiteConn).Exec(`PRAGMA mmap_size = 1073741824`, nil); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func (c *connector) Driver() driver.Driver { return c.drv }

func (c *connector) same() error {
	fi, err := os.Stat(c.path)
	if err != nil {
		return err
	}
	if !os.SameFile(fi, c.pin) {
		return ErrReplaced
	}
	return nil
}

// fillPool opens n connections at once so that none is opened later.
func fillPool(db *sql.DB, n int) error {
	ctx := context.Background()
	cs := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for range n {
		c, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		if err := c.PingContext(ctx); err != nil {
			return err
		}
		cs = append(cs, c)
	}
	return nil
}

// check validates the layout and reads the metadata.
func (r *Reader) check() error {
	var n int
	err := r.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('metadata', 'tiles') AND type IN ('table', 'view')`).Scan(&n)
	if err != nil {
		// Not a database at all: SQLite says "file is not a database".
		return fmt.Errorf("%w: %w", ErrNotMBTiles, err)
	}
	if n != 2 {
		return fmt.Errorf("%w: no metadata table or tiles table", ErrNotMBTiles)
	}
	rows, err := r.db.Query(`SELECT name, value FROM metadata`)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotMBTiles, err)
	}
	defer rows.Close()
	kv := map[string]string{}
	for rows.Next() {
		var k string
		var v sql.NullString
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		kv[k] = v.String
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if r.meta, err = parseMetadata(kv); err != nil {
		return err
	}
	switch r.meta.Format {
	case "":
		return ErrNoFormat
	case FormatPBF:
		return nil
	default:
		return fmt.Errorf("%w: %q, want %q", ErrUnsupportedFormat, r.meta.Format, FormatPBF)
	}
}

// Path returns the path the Reader was opened with.
func (r *Reader) Path() string { return r.path }

// Metadata returns the file's metadata.
func (r *Reader) Metadata() Metadata { return r.meta }

// Tile returns the stored bytes of XYZ tile z/x/y as they are (gzipped for
// files plantile writes; see IsGzip), and false when the file has no such
// tile. A coordinate outside the pyramid is simply not found.
func (r *Reader) Tile(ctx context.Context, z, x, y int) ([]byte, bool, error) {
	if checkCoord(z, x, y) != nil {
		return nil, false, nil
	}
	var data []byte
	err := r.stmt.QueryRowContext(ctx, z, x, tmsRow(z, y)).Scan(&data)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("mbtiles: tile %d/%d/%d: %w", z, x, y, err)
	}
	return data, true, nil
}

// Close releases the file. Tile calls after Close fail.
func (r *Reader) Close() error {
	var err error
	r.close.Do(func() {
		if r.stmt != nil {
			r.stmt.Close()
		}
		if r.db != nil {
			err = r.db.Close()
		}
		if cerr := r.pin.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			err = fmt.Errorf("mbtiles: close %s: %w", r.path, err)
		}
	})
	return err
}
