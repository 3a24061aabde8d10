// Package field is a table of named settings read and written as text:
// one [Field] per setting, with its key, the syntax of its value and a
// help line. The same table serves a command-line flag ("KEY=VALUE"), a
// YAML mapping of scalars and a help screen, so the three cannot drift
// apart. It is stdlib-only.
package field

import (
	"fmt"
	"strconv"
	"time"
)

// Field is one setting of a struct S.
type Field[S any] struct {
	Key  string // the name in flags and YAML
	Arg  string // the syntax of the value in help ("DURATION"); empty for a boolean
	Help string // one line

	parse  func(*S, string) error
	format func(S) string
}

// Parse sets the field of s from text. Errors name the key, the value
// and what is allowed.
func (f Field[S]) Parse(s *S, text string) error {
	if err := f.parse(s, text); err != nil {
		return fmt.Errorf("%s: %w", f.Key, err)
	}
	return nil
}

// Format renders the field of s as Parse reads it, or "" when it has its
// zero value.
func (f Field[S]) Format(s S) string { return f.format(s) }

// Usage is the key with the syntax of its value: "alg=MODE", "server_nat".
func (f Field[S]) Usage() string {
	if f.Arg == "" {
		return f.Key
	}
	return f.Key + "=" + f.Arg
}

// Value is a field of type T that get points to in S, read by parse and
// written by format; the zero T is written as "".
func Value[S any, T comparable](key, arg, help string, get func(*S) *T, parse func(string) (T, error), format func(T) string) Field[S] {
	return Field[S]{
		Key: key, Arg: arg, Help: help,
		parse: func(s *S, text string) error {
			v, err := parse(text)
			if err != nil {
				return err
			}
			*get(s) = v
			return nil
		},
		format: func(s S) string {
			var zero T
			if v := *get(&s); v != zero {
				return format(v)
			}
			return ""
		},
	}
}

// Text is a field of a type that reads and writes itself as text, such
// as an enum with ParseX and String.
func Text[S any, T interface {
	comparable
	fmt.Stringer
}](key, arg, help string, get func(*S) *T, parse func(string) (T, error)) Field[S] {
	return Value(key, arg, help, get, parse, T.String)
}

// Bool is a boolean field: "true" or "false" (strconv.ParseBool's forms).
func Bool[S any](key, help string, get func(*S) *bool) Field[S] {
	return Value(key, "", help, get, func(text string) (bool, error) {
		b, err := strconv.ParseBool(text)
		if err != nil {
			return false, fmt.Errorf("%q: want true or false", text)
		}
		return b, nil
	}, strconv.FormatBool)
}

// Int is a whole-number field.
func Int[S any, T ~int | ~int64](key, arg, help string, get func(*S) *T) Field[S] {
	return Value(key, arg, help, get, func(text string) (T, error) {
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || int64(T(n)) != n {
			return 0, fmt.Errorf("%q: want a whole number", text)
		}
		return T(n), nil
	}, func(v T) string { return strconv.FormatInt(int64(v), 10) })
}

// Float is a number field.
func Float[S any](key, arg, help string, get func(*S) *float64) Field[S] {
	return Value(key, arg, help, get, func(text string) (float64, error) {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return 0, fmt.Errorf("%q: want a number", text)
		}
		return f, nil
	}, func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) })
}

// Duration is a [time.Duration] field in [time.ParseDuration]'s syntax.
func Duration[S any](key, help string, get func(*S) *time.Duration) Field[S] {
	return Value(key, "DURATION", help, get, func(text string) (time.Duration, error) {
		d, err := time.ParseDuration(text)
		if err != nil {
			return 0, fmt.Errorf("%q: want a duration such as 300ms or 30s", text)
		}
		return d, nil
	}, time.Duration.String)
}

// Table is the fields of S, in the order help lists them.
type Table[S any] []Field[S]

// Lookup returns the field named key.
func (t Table[S]) Lookup(key string) (Field[S], bool) {
	for _, f := range t {
		if f.Key == key {
			return f, true
		}
	}
	return Field[S]{}, false
}

// Set parses text into the field named key of s.
func (t Table[S]) Set(s *S, key, text string) error {
	f, ok := t.Lookup(key)
	if !ok {
		return fmt.Errorf("unknown setting %q (want %s)", key, t.keys())
	}
	return f.Parse(s, text)
}

// Pairs returns the KEY, VALUE pairs of the fields of s that are not
// zero, in table order.
func (t Table[S]) Pairs(s S) [][2]string {
	var out [][2]string
	for _, f := range t {
		if v := f.Format(s); v != "" {
			out = append(out, [2]string{f.Key, v})
		}
	}
	return out
}

func (t Table[S]) keys() string {
	var s string
	for i, f := range t {
		switch {
		case i == 0:
		case i == len(t)-1:
			s += " or "
		default:
			s += ", "
		}
		s += f.Key
	}
	return s
}

// Func is a field read and written by the given functions, for types the
// other constructors do not cover; format returns "" for the zero value.
func Func[S any](key, arg, help string, parse func(*S, string) error, format func(S) string) Field[S] {
	return Field[S]{Key: key, Arg: arg, Help: help, parse: parse, format: format}
}
