package ftp

import (
	"fmt"
	"iter"
	"strconv"
	"strings"
)

// PortRange is an inclusive range of TCP ports: a server's passive range,
// the ports a firewall rule or a NAT forward covers, a container's
// published window. The zero value names no port; each user documents
// what it means there (sim: any free port; a faults rule: every port).
// sim, faults and docker export it under their own name as an alias.
type PortRange struct {
	Low  uint16 // first port
	High uint16 // last port, inclusive
}

// ParsePortRange parses "LOW-HIGH" or a single port "PORT", with
// 1 <= LOW <= HIGH <= 65535. It is the one parser of port ranges: flags,
// YAML settings and port lists all read ranges through it.
func ParsePortRange(s string) (PortRange, error) {
	lo, hi, found := strings.Cut(s, "-")
	if !found {
		hi = lo
	}
	l, err1 := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	h, err2 := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
	if err1 != nil || err2 != nil || l == 0 || h < l {
		return PortRange{}, fmt.Errorf("port range %q: want LOW-HIGH or PORT, 1 <= LOW <= HIGH <= 65535", s)
	}
	return PortRange{uint16(l), uint16(h)}, nil
}

// ParsePortList parses a comma-separated list of ranges, "21,30000-30009";
// empty items are skipped, so "" is the empty list.
func ParsePortList(s string) ([]PortRange, error) {
	var out []PortRange
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		r, err := ParsePortRange(part)
		if err != nil {
			return nil, fmt.Errorf("port list %q: %w", s, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// IsZero reports whether r is the zero range.
func (r PortRange) IsZero() bool { return r == PortRange{} }

// Size is the number of ports in r: zero for the zero range and for a
// range whose High is below its Low.
func (r PortRange) Size() int {
	if r.Low == 0 || r.High < r.Low {
		return 0
	}
	return int(r.High) - int(r.Low) + 1
}

// Contains reports whether p is one of r's ports; the zero range
// contains none.
func (r PortRange) Contains(p uint16) bool { return r.Size() > 0 && p >= r.Low && p <= r.High }

// All yields the ports of r in order.
func (r PortRange) All() iter.Seq[uint16] {
	return func(yield func(uint16) bool) {
		for p := int(r.Low); r.Size() > 0 && p <= int(r.High); p++ {
			if !yield(uint16(p)) {
				return
			}
		}
	}
}

// String renders "LOW-HIGH", "PORT" for a single port, or "any" for the
// zero range.
func (r PortRange) String() string {
	switch {
	case r.IsZero():
		return "any"
	case r.Low == r.High:
		return strconv.Itoa(int(r.Low))
	}
	return fmt.Sprintf("%d-%d", r.Low, r.High)
}

// MarshalText renders r as String does, but the zero range as "".
func (r PortRange) MarshalText() ([]byte, error) {
	if r.IsZero() {
		return nil, nil
	}
	return []byte(r.String()), nil
}

// UnmarshalText parses r with [ParsePortRange]; "" is the zero range.
func (r *PortRange) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*r = PortRange{}
		return nil
	}
	v, err := ParsePortRange(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
