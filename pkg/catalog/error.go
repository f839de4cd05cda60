package catalog

import (
	"errors"
	"fmt"
)

// Kind classifies an Error so that callers (the HTTP layer, the admin CLI)
// can map it to a status or an exit code without parsing messages.
type Kind int

// The error kinds. The zero Kind is Internal: anything not classified.
const (
	Internal     Kind = iota // a fault of the system (I/O, SQL); not the caller's
	NotFound                 // no such organisation, layer, version, token, user or job
	Conflict                 // exists already, revoked, wrong state for the change
	Invalid                  // the caller's input is malformed (bad id, empty name...)
	Unauthorized             // no valid credentials (unknown, revoked, wrong password, locked)
	Forbidden                // valid credentials that may not do this
)

var kindNames = [...]string{"internal", "not found", "conflict", "invalid", "unauthorized", "forbidden"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// Error is a catalog error of a Kind with a message fit for the person who
// asked (it never contains a secret).
type Error struct {
	Kind Kind
	Msg  string
	Err  error // the cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "catalog: " + e.Msg + ": " + e.Err.Error()
	}
	return "catalog: " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorKind returns the Kind of the first *Error in err's chain, Internal
// when there is none.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

func errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// internal wraps a system fault with what was being done.
func internal(what string, err error) error {
	return &Error{Kind: Internal, Msg: what, Err: err}
}

// errBadCredentials is the one answer for an unknown token, a wrong secret,
// an unknown user or a wrong password, so that a caller cannot tell which.
func errBadCredentials() error { return &Error{Kind: Unauthorized, Msg: "invalid credentials"} }
