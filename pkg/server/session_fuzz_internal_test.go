package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzSignInBody: any sign-in body, JSON or form, is read without
// panicking; what it yields is a user and a password that are both set,
// or an Invalid error (a 400), never anything else.
func FuzzSignInBody(f *testing.F) {
	for _, s := range [][2]string{
		{"application/json", `{"user":"lan","password":"mật khẩu rất dài"}`},
		{"application/json", `{"user":"lan"}`},
		{"application/json", `{"user":1,"password":[]}`},
		{"application/json", `{"user":"lan","password":"x","user":"minh"}`},
		{"application/json; charset=utf-8", `[]`},
		{"application/x-www-form-urlencoded", "user=lan&password=m%E1%BA%ADt+kh%E1%BA%A9u"},
		{"application/x-www-form-urlencoded", "user=%zz&password=;"},
		{"text/plain", "user=lan"},
		{"", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, ctype, body string) {
		r := httptest.NewRequest(http.MethodPost, RouteSession, strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		user, password, err := readCredentials(httptest.NewRecorder(), r)
		if err != nil {
			if ErrorKind(err) != KindInvalid {
				t.Fatalf("readCredentials(%q, %q): %v, want an Invalid error", ctype, body, err)
			}
			return
		}
		if user == "" || password == "" {
			t.Fatalf("readCredentials(%q, %q) = %q, %q without an error", ctype, body, user, password)
		}
	})
}

// FuzzFormCSRF: any form body gives its csrf field without panicking and
// stays readable, whole, for the handler after it.
func FuzzFormCSRF(f *testing.F) {
	for _, s := range []string{"csrf=abc", "csrf=a&csrf=b", "x=1&csrf=%41", "%", "csrf=" + strings.Repeat("a", maxFormBody)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodDelete, RouteSession, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		got := formCSRF(r)
		if len(body) > maxFormBody && got != "" {
			t.Fatalf("a body over %d bytes gave a token", maxFormBody)
		}
		rest, err := io.ReadAll(r.Body)
		if err != nil || string(rest) != body {
			t.Fatalf("the body after formCSRF is %d bytes (%v), want the %d sent", len(rest), err, len(body))
		}
	})
}
