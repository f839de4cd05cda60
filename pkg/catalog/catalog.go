package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// FileName is the catalog database's name inside the data directory.
const FileName = "catalog.db"

// Defaults for Options.
const (
	DefaultKeepVersions    = 5
	DefaultMaxFailedLogins = 5
	DefaultLockout         = 15 * time.Minute
	DefaultBusyTimeout     = 10 * time.Second
)

// Options tune a Catalog. The zero value gives the defaults.
type Options struct {
	// KeepVersions is how many published versions of a layer stay
	// available for rollback (the current one included); older ones are
	// retired and their files may be deleted. Default DefaultKeepVersions.
	KeepVersions int
	// MaxFailedLogins consecutive wrong passwords lock a user for Lockout.
	MaxFailedLogins int
	Lockout         time.Duration
	// BusyTimeout is how long a writer waits for another (in this or
	// another process) before failing.
	BusyTimeout time.Duration
	// Password sets the argon2id cost of new password hashes; zero values
	// take the DefaultPassword* values. Existing hashes keep their own cost.
	Password PasswordParams
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Catalog is an open catalog database. It is safe for concurrent use, and
// several Catalogs (in several processes) may share one data directory.
type Catalog struct {
	dir  string
	db   *sql.DB
	opts Options

	dummyOnce sync.Once
	dummy     string // a hash of no one's password, for unknown user names
}

// Open opens (creating if needed) the catalog in data directory dir and
// brings its schema up to date.
func Open(dir string, opts Options) (*Catalog, error) {
	return open(dir, opts, len(migrations))
}

func open(dir string, opts Options, target int) (*Catalog, error) {
	if opts.KeepVersions <= 0 {
		opts.KeepVersions = DefaultKeepVersions
	}
	if opts.MaxFailedLogins <= 0 {
		opts.MaxFailedLogins = DefaultMaxFailedLogins
	}
	if opts.Lockout <= 0 {
		opts.Lockout = DefaultLockout
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	opts.Password = opts.Password.withDefaults()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if dir == "" {
		return nil, errorf(Invalid, "no data directory")
	}
	// The directory holds password and token hashes: owner only.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, internal("create data directory "+dir, err)
	}
	path := filepath.Join(dir, FileName)
	// Create the file ourselves so that it is private from the start
	// (SQLite would create it with the umask's permissions).
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, internal("open "+path, err)
	} else {
		f.Close()
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", fmt.Sprint(opts.BusyTimeout.Milliseconds()))
	q.Set("_synchronous", "NORMAL") // durable at checkpoints; WAL keeps it consistent
	// BEGIN IMMEDIATE: a write transaction takes the write lock at once, so
	// two writers wait on the busy timeout instead of failing when a
	// reader upgrades to a writer.
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, internal("open "+path, err)
	}
	db.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	c := &Catalog{dir: dir, db: db, opts: opts}
	if err := c.migrate(context.Background(), target); err != nil {
		db.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the database.
func (c *Catalog) Close() error { return c.db.Close() }

// Dir is the data directory.
func (c *Catalog) Dir() string { return c.dir }

// Path returns the absolute path of name (a version's or a source's file
// name as the catalog records it) inside the data directory.
func (c *Catalog) Path(name string) string { return filepath.Join(c.dir, filepath.FromSlash(name)) }

func (c *Catalog) now() time.Time { return c.opts.Now().UTC() }

// timeFormat sorts as text in time order (fixed width, UTC).
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}

func parseNullTime(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

// write runs fn in one write transaction and commits it.
func (c *Catalog) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return internal("begin", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return internal("commit", err)
	}
	return nil
}

// notFound turns sql.ErrNoRows into a NotFound error about what.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errorf(NotFound, format, args...)
	}
	return internal(fmt.Sprintf(format, args...), err)
}
