package faults

import (
	"net"
	"sync"
)

// connSet tracks the real and virtual connections a relay (a Bridge or a
// Backend) has open, so that closing the relay closes them all. The zero
// value is ready to use.
type connSet struct {
	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
}

// track registers cs; false if the set is closing (the caller must then
// close cs itself).
func (s *connSet) track(cs ...net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = map[net.Conn]bool{}
	}
	for _, c := range cs {
		s.conns[c] = true
	}
	return true
}

// untrack forgets connections that have been closed.
func (s *connSet) untrack(cs ...net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		delete(s.conns, c)
	}
}

// close marks the set closed and closes every tracked connection. It
// reports false if the set was already closed.
func (s *connSet) close() bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.closed = true
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for c := range conns {
		c.Close()
	}
	return true
}
