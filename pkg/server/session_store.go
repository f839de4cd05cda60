package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"
)

// maxSessionsPerUser bounds one user's sessions (browsers, devices): a new
// sign-in beyond it ends that user's oldest session, so that one account
// cannot fill the store.
const maxSessionsPerUser = 10

// session is one signed-in browser. The store keeps it under the SHA-256
// of its cookie value, so the value itself is never kept.
type session struct {
	user, org string
	csrf      string // the CSRF token bound to this session, base64url
	created   time.Time
	expires   time.Time
}

// sessionStore holds the sessions of signed-in users in memory: at most max
// of them, each for ttl after sign-in. A restart signs everyone out.
type sessionStore struct {
	mu  sync.Mutex
	m   map[[32]byte]*session
	max int
	ttl time.Duration
	now func() time.Time
}

func newSessionStore(max int, ttl time.Duration) *sessionStore {
	return &sessionStore{m: make(map[[32]byte]*session), max: max, ttl: ttl, now: time.Now}
}

// errSessionsFull is create's answer when max sessions are alive.
var errSessionsFull = errorf(KindUnavailable, "too many people are signed in; try again later")

// randomToken returns 256 random bits, base64url without padding.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sessionKey(id string) [32]byte { return sha256.Sum256([]byte(id)) }

// create starts a session for user of org and returns its cookie value and
// a copy of it. When the store is full of live sessions it refuses
// (errSessionsFull); a user's sessions beyond maxSessionsPerUser end, the
// oldest first.
func (st *sessionStore) create(user, org string) (string, session, error) {
	id, now := randomToken(), st.now()
	s := &session{user: user, org: org, csrf: randomToken(), created: now, expires: now.Add(st.ttl)}
	st.mu.Lock()
	defer st.mu.Unlock()
	var oldest [32]byte
	var oldestAt time.Time
	mine := 0
	for k, v := range st.m {
		if !now.Before(v.expires) {
			delete(st.m, k)
			continue
		}
		if v.user == user {
			if mine == 0 || v.created.Before(oldestAt) {
				oldest, oldestAt = k, v.created
			}
			mine++
		}
	}
	if mine >= maxSessionsPerUser {
		delete(st.m, oldest)
	}
	if len(st.m) >= st.max {
		return "", session{}, errSessionsFull
	}
	st.m[sessionKey(id)] = s
	return id, *s, nil
}

// get returns the live session of cookie value id.
func (st *sessionStore) get(id string) (session, bool) {
	k := sessionKey(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.m[k]
	if !ok {
		return session{}, false
	}
	if !st.now().Before(s.expires) {
		delete(st.m, k)
		return session{}, false
	}
	return *s, true
}

// remove ends the session of cookie value id, if any.
func (st *sessionStore) remove(id string) {
	st.mu.Lock()
	delete(st.m, sessionKey(id))
	st.mu.Unlock()
}

// removeUser ends every session of user (disabled or deleted).
func (st *sessionStore) removeUser(user string) {
	st.mu.Lock()
	for k, v := range st.m {
		if v.user == user {
			delete(st.m, k)
		}
	}
	st.mu.Unlock()
}

// len counts the sessions held, expired ones not yet dropped included.
func (st *sessionStore) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.m)
}
