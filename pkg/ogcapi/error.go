package ogcapi

import (
	"errors"
	"fmt"
	"net/http"
)

// ParamError is a bad query parameter: the client gets 400 with an OGC
// exception naming Param.
type ParamError struct {
	Param  string // the query parameter, e.g. "bbox" or "ma_dat"
	Reason string // what is wrong, for the client
	Err    error  // the cause, if any
}

func (e *ParamError) Error() string {
	msg := "ogcapi: parameter " + e.Param + ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *ParamError) Unwrap() error { return e.Err }

// paramErrorf builds a *ParamError.
func paramErrorf(param, format string, args ...any) *ParamError {
	return &ParamError{Param: param, Reason: fmt.Sprintf(format, args...)}
}

// NotFoundError is an unknown collection or feature: the client gets 404.
type NotFoundError struct {
	What string // "collection" or "feature"
	ID   string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("ogcapi: %s %q not found", e.What, e.ID)
}

// Exception is the OGC API exception document (OGC 17-069r4, 7.5.1).
type Exception struct {
	Code        string `json:"code"`
	Description string `json:"description,omitempty"`
}

// ExceptionFor maps an error to the HTTP status and the exception to send.
// Parameter errors give 400 with the parameter named, not-found errors
// 404; anything else is an internal error whose details stay on the
// server (the description is generic).
func ExceptionFor(err error) (status int, ex Exception) {
	var pe *ParamError
	var nf *NotFoundError
	switch {
	case errors.As(err, &pe):
		d := "parameter " + pe.Param + ": " + pe.Reason
		if pe.Err != nil {
			d += ": " + pe.Err.Error()
		}
		return http.StatusBadRequest, Exception{Code: "InvalidParameterValue", Description: d}
	case errors.As(err, &nf):
		return http.StatusNotFound, Exception{Code: "NotFound", Description: fmt.Sprintf("%s %q not found", nf.What, nf.ID)}
	}
	return http.StatusInternalServerError, Exception{Code: "ServerError", Description: "internal server error"}
}

// errorf is fmt.Errorf for reasons that a ParamError carries.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
