package index

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Set maps layer names to the current version of each layer. Readers Get a
// *Layer and keep using it for the whole request; a writer Swaps in a new
// version without waiting for them, and the old version is freed by the
// garbage collector once the last reader drops it. Safe for concurrent use.
type Set struct {
	mu     sync.RWMutex
	layers map[string]*atomic.Pointer[Layer]
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{layers: map[string]*atomic.Pointer[Layer]{}} }

// Get returns the current version of the named layer, or nil.
func (s *Set) Get(name string) *Layer {
	s.mu.RLock()
	p := s.layers[name]
	s.mu.RUnlock()
	if p == nil {
		return nil
	}
	return p.Load()
}

// Swap makes l the current version of the named layer and returns the
// version it replaces (nil if none). A nil l removes the layer.
func (s *Set) Swap(name string, l *Layer) (old *Layer) {
	// Writers are rare (an upload, a reload): one lock for all of Swap keeps
	// it simple; readers only take the read lock to find the pointer.
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.layers[name]
	if p == nil {
		if l == nil {
			return nil
		}
		p = new(atomic.Pointer[Layer])
		s.layers[name] = p
	}
	if l == nil {
		delete(s.layers, name)
	}
	return p.Swap(l)
}

// Names returns the names of the layers in the set, sorted.
func (s *Set) Names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.layers))
	for n, p := range s.layers {
		if p.Load() != nil {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}
