package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Version is the PostgreSQL major version the harness looks for first
// (Debian 12's postgresql-15-postgis-3).
const Version = "15"

// Cluster is a running throwaway PostgreSQL server with PostGIS.
type Cluster struct {
	// Dir holds the data directory (Dir/data) and the server's socket.
	Dir string
	// Bin is the directory of the server binaries (initdb, postgres).
	Bin string
	// DB is the database that has the postgis extension.
	DB string

	cmd  *exec.Cmd
	done chan struct{} // closed when the server process has exited
	log  string
	uid  *syscall.Credential
}

// missing skips t, or fails it under CI=true, because tool is absent.
func missing(t testing.TB, tool, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("pgtest: %s is required in CI (make deps-test installs it): %s", tool, why)
	}
	t.Skipf("pgtest: %s not available (apt-get install postgresql-15-postgis-3 gdal-bin): %s", tool, why)
}

// binDir finds the server binaries: $PG_BIN, else Debian's
// /usr/lib/postgresql/15/bin, else the newest /usr/lib/postgresql/*/bin.
func binDir() (string, error) {
	cands := []string{}
	if d := os.Getenv("PG_BIN"); d != "" {
		cands = append(cands, d)
	}
	cands = append(cands, "/usr/lib/postgresql/"+Version+"/bin")
	more, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(more) - 1; i >= 0; i-- {
		cands = append(cands, more[i])
	}
	for _, d := range cands {
		if st, err := os.Stat(filepath.Join(d, "postgres")); err == nil && !st.IsDir() {
			if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
				return d, nil
			}
		}
	}
	return "", fmt.Errorf("no initdb and postgres in %s", strings.Join(cands, ", "))
}

// Start starts a cluster for t, with the postgis extension in database
// "postgres", and stops and removes it when t ends.
func Start(t testing.TB) *Cluster {
	t.Helper()
	bin, err := binDir()
	if err != nil {
		missing(t, "PostgreSQL server", err.Error())
	}
	c := &Cluster{Bin: bin, DB: "postgres", done: make(chan struct{})}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root: run initdb and the server
		// as the postgres user (the Debian package creates it).
		u, err := user.Lookup("postgres")
		if err != nil {
			missing(t, "the postgres user", err.Error())
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		c.uid = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}

	// The socket path must stay under the 107 bytes of sun_path: use
	// /tmp when TMPDIR is long.
	base := os.TempDir()
	if len(base) > 60 {
		base = "/tmp"
	}
	sweep(base)
	dir, err := os.MkdirTemp(base, "pgtest-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	c.Dir = dir
	c.log = filepath.Join(dir, "server.log")
	// Registered first, so it runs last: after the server has stopped.
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("pgtest: remove %s: %v", dir, err)
		}
	})
	if c.uid != nil {
		if err := os.Chown(dir, int(c.uid.Uid), int(c.uid.Gid)); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("pgtest: %v", err)
	}

	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: c.uid, Pdeathsig: syscall.SIGKILL}
	initdb.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}

	logf, err := os.Create(c.log)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer logf.Close()
	// No TCP (listen_addresses empty): the socket in dir is the only way
	// in. Durability is not needed for a throwaway cluster.
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data,
		"-k", dir, "-c", "listen_addresses=", "-c", "fsync=off",
		"-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=50")
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	c.cmd.Env = append(os.Environ(), "LC_ALL=C")
	// If the test binary dies without running its cleanups (a timeout
	// panic, a kill), the kernel sends SIGQUIT, PostgreSQL's immediate
	// shutdown. Should even that be missed, the server stops by itself
	// within a minute once its data directory (and lock file) is gone.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.uid, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	// The kernel sends the parent-death signal when the thread that
	// forked exits, not the process: start and wait on one locked
	// thread, which lives as long as the server.
	started := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := c.cmd.Start()
		started <- err
		if err == nil {
			c.cmd.Wait()
		}
		close(c.done)
	}()
	if err := <-started; err != nil {
		t.Fatalf("pgtest: start postgres: %v", err)
	}
	t.Cleanup(func() {
		if err := c.stop(); err != nil {
			t.Error(err)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, c.ConnString())
		if err == nil {
			conn.Close(ctx)
			break
		}
		select {
		case <-c.done:
			t.Fatalf("pgtest: postgres exited: %v\n%s", c.cmd.ProcessState, c.Log())
		case <-ctx.Done():
			t.Fatalf("pgtest: postgres not ready after 60 s: %v\n%s", err, c.Log())
		case <-time.After(50 * time.Millisecond):
		}
	}
	conn := c.Conn(t)
	if _, err := conn.Exec(ctx, "CREATE EXTENSION postgis"); err != nil {
		missing(t, "the postgis extension", err.Error())
	}
	return c
}

// stop shuts the server down (fast shutdown, then SIGKILL to the whole
// process group after 20 s) and waits for it to exit.
func (c *Cluster) stop() error {
	select {
	case <-c.done:
		return nil
	default:
	}
	c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
		return nil
	case <-time.After(20 * time.Second):
	}
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
	return errors.New("pgtest: postgres did not stop in 20 s: killed")
}

// Log returns the server's log so far.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(c.log)
	return string(b)
}

// ConnString returns the libpq key/value connection string of the cluster
// for pgx and psql.
func (c *Cluster) ConnString() string {
	return fmt.Sprintf("host=%s port=5432 user=postgres dbname=%s sslmode=disable", c.Dir, c.DB)
}

// OGRDataSource returns the GDAL data source name of the database
// (PG:"..."), for ogr2ogr and ogrinfo.
func (c *Cluster) OGRDataSource() string {
	return "PG:host=" + c.Dir + " port=5432 user=postgres dbname=" + c.DB
}

// Conn opens a connection, closed when t ends. A pgx.Conn is not safe for
// concurrent use: open one per goroutine.
func (c *Cluster) Conn(t testing.TB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), c.ConnString())
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Load copies the layer(s) at src into the database with ogr2ogr, into a
// table named table, with the geometry in column geom (any geometry type)
// and the GDAL feature id in column fid. args are extra ogr2ogr options
// such as "-t_srs", "EPSG:4326".
func (c *Cluster) Load(t testing.TB, src, table string, args ...string) {
	t.Helper()
	ogr2ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		missing(t, "ogr2ogr (gdal-bin)", err.Error())
	}
	argv := []string{"-f", "PostgreSQL", c.OGRDataSource(), src,
		"-nln", table, "-nlt", "GEOMETRY", "-lco", "GEOMETRY_NAME=geom",
		"-lco", "FID=fid", "-lco", "SPATIAL_INDEX=GIST", "-overwrite"}
	argv = append(argv, args...)
	cmd := exec.Command(ogr2ogr, argv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("pgtest: ogr2ogr %s: %v\n%s", strings.Join(argv, " "), err, out.String())
	}
}

// PID returns the process id of the server (the postmaster).
func (c *Cluster) PID() int { return c.cmd.Process.Pid }

// sweep removes the directories of clusters whose test binary died
// without its cleanups (the server itself died with it): older than ten
// minutes, with no live server process.
func sweep(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "pgtest-*"))
	for _, d := range dirs {
		st, err := os.Stat(d)
		if err != nil || time.Since(st.ModTime()) < 10*time.Minute {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			pid, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
			// EPERM: alive, someone else's.
			if err := syscall.Kill(pid, 0); pid > 0 && (err == nil || errors.Is(err, syscall.EPERM)) {
				continue
			}
		}
		os.RemoveAll(d)
	}
}
