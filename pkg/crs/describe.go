package crs

// #cgo pkg-config: proj
// #include <stdlib.h>
// #include <proj.h>
import "C"

import (
	"fmt"
	"strconv"
	"unsafe"
)

// description is what PROJ tells about a CRS definition, for reporting.
type description struct {
	name       string
	epsg       int
	geographic bool
}

// describe asks PROJ what a CRS definition is: its name, its EPSG code
// (from the definition, else identified in the EPSG database as equivalent,
// PROJ confidence 70 or more), and whether it is geographic. go-proj does not
// expose these calls, hence this small piece of cgo. It uses its own PROJ
// context, so it is safe to call from any goroutine.
func describe(def string) (description, error) {
	ctx := C.proj_context_create()
	defer C.proj_context_destroy(ctx)
	C.proj_log_level(ctx, C.PJ_LOG_NONE)
	cdef := C.CString(def)
	defer C.free(unsafe.Pointer(cdef))
	pj := C.proj_create(ctx, cdef)
	if pj == nil {
		errno := C.proj_context_errno(ctx)
		return description{}, fmt.Errorf("crs: proj cannot read %q: %s", abbreviate(def), C.GoString(C.proj_context_errno_string(ctx, errno)))
	}
	defer C.proj_destroy(pj)
	if C.proj_is_crs(pj) == 0 {
		return description{}, fmt.Errorf("crs: %q is not a coordinate reference system", abbreviate(def))
	}
	crs := pj
	if C.proj_get_type(pj) == C.PJ_TYPE_BOUND_CRS {
		if src := C.proj_get_source_crs(ctx, pj); src != nil {
			defer C.proj_destroy(src)
			crs = src
		}
	}
	var d description
	d.name = C.GoString(C.proj_get_name(crs))
	switch C.proj_get_type(crs) {
	case C.PJ_TYPE_GEOGRAPHIC_2D_CRS, C.PJ_TYPE_GEOGRAPHIC_3D_CRS:
		d.geographic = true
	}
	if auth := C.proj_get_id_auth_name(crs, 0); auth != nil && C.GoString(auth) == "EPSG" {
		d.epsg, _ = strconv.Atoi(C.GoString(C.proj_get_id_code(crs, 0)))
		return d, nil
	}
	cauth := C.CString("EPSG")
	defer C.free(unsafe.Pointer(cauth))
	var confidence *C.int
	list := C.proj_identify(ctx, crs, cauth, nil, &confidence)
	if list != nil {
		defer C.proj_list_destroy(list)
		defer C.proj_int_list_destroy(confidence)
		if C.proj_list_get_count(list) > 0 && *confidence >= 70 {
			m := C.proj_list_get(ctx, list, 0)
			d.epsg, _ = strconv.Atoi(C.GoString(C.proj_get_id_code(m, 0)))
			C.proj_destroy(m)
		}
	}
	return d, nil
}

// abbreviate shortens a definition for an error message.
func abbreviate(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}
