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
// is closed (all its connections are opened at once, to one inode).
//
// Two ways to open, because a file someone else may write must never be
// memory-mapped: SQLite reads a mapped page with a plain memory access, and
// when another process truncates the file (cp, rsync --inplace, an in-place
// VACUUM) that access raises SIGBUS inside cgo, which Go cannot recover
// from: the process dies. Open reads the file in place through pread with
// SQLite's locking, so a concurrent writer gives errors, never a crash.
// OpenSnapshot copies the file into a private directory first and serves
// the copy memory-mapped and "immutable": nobody else can write it.
type Reader struct {
	path  string   // the path the caller named
	file  string   // the file SQLite reads: path, or the private snapshot
	pin   *os.File // holds the inode open so that its number is not reused
	db    *sql.DB
	stmt  *sql.Stmt
	meta  Metadata
	close sync.Once
}

// Open opens the MBTiles file at path read-only and checks that it holds
// vector tiles: a metadata table, a tiles table or view, and format=pbf.
// The file is read in place without memory mapping, with SQLite's locks, so
// that another process writing it cannot crash this one; see OpenSnapshot
// for serving.
func Open(path string) (*Reader, error) {
	pin, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mbtiles: open %s: %w", path, err)
	}
	r := &Reader{path: path, file: path, pin: pin}
	if err := r.init(false); err != nil {
		r.Close()
		return nil, fmt.Errorf("mbtiles: open %s: %w", path, err)
	}
	return r, nil
}

func (r *Reader) init(private bool) error {
	fi, err := r.pin.Stat()
	if err != nil {
		return err
	}
	c := &connector{
		path: r.file,
		pin:  fi,
		drv:  &sqlite3.SQLiteDriver{},
	}
	if private {
		// immutable=1: no locks, no journal lookups, no change detection,
		// and the file is memory-mapped: only for a private snapshot, which
		// nobody else writes.
		c.dsn = "file:" + uriPath(r.file) + "?mode=ro&immutable=1"
		c.mmap = 1 << 30
	} else {
		c.dsn = "file:" + uriPath(r.file) + "?mode=ro"
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
	mmap int64 // PRAGMA mmap_size; 0 for a file others may write
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
	// A private snapshot is memory-mapped: tile reads become memory copies
	// instead of a pread per page, and all connections share the kernel's
	// page cache. Any other file is explicitly not (see Reader).
	if _, err := conn.(*sqlite3.SQLiteConn).Exec(fmt.Sprintf(`PRAGMA mmap_size = %d`, c.mmap), nil); err != nil {
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

// Path returns the path the Reader was opened with (not a snapshot's).
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

// ErrChanging means the file changed while OpenSnapshot copied it: another
// process is writing it (cp, rsync --inplace, VACUUM). Try again once it
// has been stable for a while.
var ErrChanging = errors.New("mbtiles: file changed while being copied")

// OpenSnapshot copies the MBTiles file at path into dir, checks the copy
// and opens it like Open, but memory-mapped and immutable, which is safe
// and fast because the copy is private. The copy is made with SQLite's
// online backup under a read lock, so a SQLite writer (an in-place VACUUM)
// is never seen half done; a writer that ignores SQLite's locks (cp) is
// detected by the file's size and modification time changing during the
// copy: then the error wraps ErrChanging and nothing is kept. A copy that
// fails SQLite's quick_check is refused. The copy is unlinked once open, so
// it takes disk space only while the Reader is open and never outlives the
// process; dir should be on disk, not a RAM-backed tmpfs.
func OpenSnapshot(path, dir string) (*Reader, error) {
	r, err := openSnapshot(path, dir)
	if err != nil {
		return nil, fmt.Errorf("mbtiles: open %s: %w", path, err)
	}
	return r, nil
}

func openSnapshot(path, dir string) (*Reader, error) {
	before, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !before.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("snapshot directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".snapshot-*.mbtiles")
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp) // once open, the Reader's connections keep the inode
	berr := backup(path, tmp)
	after, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !sameVersion(before, after) {
		return nil, ErrChanging
	}
	if berr != nil {
		return nil, berr
	}
	if err := quickCheck(tmp); err != nil {
		return nil, err
	}
	pin, err := os.Open(tmp)
	if err != nil {
		return nil, err
	}
	r := &Reader{path: path, file: tmp, pin: pin}
	if err := r.init(true); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// sameVersion reports whether two stats of a path show the same, unchanged
// file.
func sameVersion(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// backup copies the database src into the new file dst with SQLite's
// online backup API in one step, that is under one read transaction.
func backup(src, dst string) error {
	drv := &sqlite3.SQLiteDriver{}
	sc, err := drv.Open("file:" + uriPath(src) + "?mode=ro")
	if err != nil {
		return err
	}
	defer sc.Close()
	s := sc.(*sqlite3.SQLiteConn)
	// Not mapped: someone else may write this file.
	if _, err := s.Exec(`PRAGMA mmap_size = 0`, nil); err != nil {
		return err
	}
	dc, err := drv.Open("file:" + uriPath(dst))
	if err != nil {
		return err
	}
	defer dc.Close()
	b, err := dc.(*sqlite3.SQLiteConn).Backup("main", s, "main")
	if err != nil {
		return err
	}
	done, err := b.Step(-1)
	if ferr := b.Finish(); err == nil {
		err = ferr
	}
	if err == nil && !done {
		err = errors.New("backup incomplete")
	}
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	return nil
}

// quickCheck runs SQLite's quick_check (page and b-tree structure, no
// index content) on a private copy.
func quickCheck(file string) error {
	drv := &sqlite3.SQLiteDriver{}
	c, err := drv.Open("file:" + uriPath(file) + "?mode=ro&immutable=1")
	if err != nil {
		return err
	}
	defer c.Close()
	rows, err := c.(*sqlite3.SQLiteConn).Query(`PRAGMA quick_check(1)`, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotMBTiles, err)
	}
	defer rows.Close()
	dest := make([]driver.Value, 1)
	if err := rows.Next(dest); err != nil {
		return fmt.Errorf("quick_check: %w", err)
	}
	if v := fmt.Sprint(dest[0]); v != "ok" {
		if b, ok := dest[0].([]byte); ok {
			v = string(b)
		}
		if v != "ok" {
			return fmt.Errorf("damaged database: %s", v)
		}
	}
	return nil
}
