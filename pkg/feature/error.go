package feature

import (
	"errors"
	"fmt"
)

// Error reports bad input: the file, the 1-based record (feature) number
// when the problem is inside one record, and the reason. Readers return it
// for every malformed input, so that a user can find and fix the record.
type Error struct {
	File   string // path (or name inside an archive) of the offending file
	Record int64  // 1-based record number; 0 when the problem is not in a record
	Reason string // what is wrong, in words a GIS user understands
	Err    error  // the underlying cause, if any
}

func (e *Error) Error() string {
	msg := e.File
	if e.Record > 0 {
		msg += fmt.Sprintf(": record %d", e.Record)
	}
	msg += ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error for file and record with a formatted reason.
func Errorf(file string, record int64, format string, args ...any) *Error {
	return &Error{File: file, Record: record, Reason: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error when it is one.
func AsError(err error) (*Error, bool) {
	var fe *Error
	ok := errors.As(err, &fe)
	return fe, ok
}
