package main

import (
	"errors"

	"github.com/sonla-gis/plantile/pkg/catalog"
)

// Exit codes, for scripts (documented in the README and `plantile admin
// --help`).
const (
	exitError     = 1 // anything else: I/O, a bad file, an internal fault
	exitUsage     = 2 // bad flags or arguments, invalid input (an unsafe id, an unknown kind)
	exitNotFound  = 3 // no such organisation, layer, version, token or user
	exitConflict  = 4 // exists already, revoked already, not in a state that allows it
	exitForbidden = 5 // credentials refused or not allowed
)

// usageError marks a command-line mistake: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode maps an error from a command to the process's exit code.
func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return exitUsage
	}
	switch catalog.ErrorKind(err) {
	case catalog.Invalid:
		return exitUsage
	case catalog.NotFound:
		return exitNotFound
	case catalog.Conflict:
		return exitConflict
	case catalog.Unauthorized, catalog.Forbidden:
		return exitForbidden
	}
	return exitError
}
