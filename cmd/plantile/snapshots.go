package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Tileset snapshots (mbtiles.OpenSnapshot) are copied under
// cache_dir/snapshots, which every serve process of a user shares: two
// servers on different ports, or a second one started by mistake. Each
// process copies into a directory of its own, run-*, and holds an
// exclusive flock on run-*/lock for as long as it lives; the kernel drops
// the lock when the process dies, SIGKILL included. A process starting up
// removes only the run directories whose lock it can take, those of
// processes that are gone, so it never deletes a copy that another live
// server is still making (which once made that server refuse the tileset
// with "no such file or directory").

// snapshotRun is this process's snapshot directory and its lock.
type snapshotRun struct {
	dir  string
	lock *os.File
}

// newSnapshotRun sweeps base of the directories of dead processes (and of
// copies that versions before run directories left directly in base,
// once an hour old), then makes and locks this process's own.
func newSnapshotRun(base string) (*snapshotRun, error) {
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, fmt.Errorf("snapshot directory: %w", err)
	}
	sweepSnapshots(base)
	dir, err := os.MkdirTemp(base, "run-")
	if err != nil {
		return nil, fmt.Errorf("snapshot directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err == nil {
		err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		os.RemoveAll(dir)
		return nil, fmt.Errorf("snapshot directory %s: lock: %w", dir, err)
	}
	return &snapshotRun{dir: dir, lock: lock}, nil
}

// Close removes the directory (snapshots are unlinked once open; open ones
// live on until their readers close) and releases the lock.
func (r *snapshotRun) Close() {
	os.RemoveAll(r.dir)
	r.lock.Close()
}

// sweepSnapshots removes the run directories under base whose lock is free
// (their process is gone), and copies older than an hour left directly in
// base by versions before run directories. Only names the Registry and
// newSnapshotRun make are touched.
func sweepSnapshots(base string) {
	runs, _ := filepath.Glob(filepath.Join(base, "run-*"))
	for _, dir := range runs {
		f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR, 0)
		if err != nil {
			// No lock file: a directory whose process died between
			// making it and locking it, or not ours. Leave it unless old.
			if st, serr := os.Stat(dir); serr == nil && time.Since(st.ModTime()) > time.Hour {
				os.RemoveAll(dir)
			}
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			os.RemoveAll(dir) // its process is gone
		}
		f.Close()
	}
	old, _ := filepath.Glob(filepath.Join(base, ".snapshot-*.mbtiles"))
	for _, p := range old {
		if st, err := os.Stat(p); err == nil && time.Since(st.ModTime()) > time.Hour {
			os.Remove(p)
		}
	}
}
