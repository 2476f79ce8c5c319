package xmlrpc

import (
	"strconv"
	"strings"
	"time"
)

// Django field lookups as upstream's XML-RPC filters allow them (spec §6):
// there is no "exact" (a bare FIELD is the exact match) and no "lte".
var lookupTypes = map[string]bool{
	"iexact": true, "contains": true, "icontains": true, "gt": true, "gte": true,
	"lt": true, "in": true, "startswith": true, "istartswith": true, "endswith": true,
	"iendswith": true, "range": true, "year": true, "month": true, "day": true, "isnull": true,
}

// splitKey splits "FIELD__LOOKUP"; ok is false for keys with more than one
// "__" or an unknown lookup, which upstream answers with [].
func splitKey(key string) (field, lookup string, ok bool) {
	field, lookup, _ = strings.Cut(key, "__")
	if strings.Contains(lookup, "__") {
		return "", "", false
	}
	if lookup != "" && !lookupTypes[lookup] {
		return "", "", false
	}
	return field, lookup, true
}

// predicate tests one value of a field.
type predicate[T any] func(v T) bool

// stringLookup builds the test of a text column. null says the column holds
// NULL (our "" for nullable columns); NULL never matches a comparison.
func stringLookup(field, lookup string, v any) (func(s string, null bool) bool, error) {
	if lookup == "isnull" {
		want := truthy(v)
		return func(_ string, null bool) bool { return null == want }, nil
	}
	if lookup == "" && v == nil {
		return func(_ string, null bool) bool { return null }, nil
	}
	if lookup == "year" || lookup == "month" || lookup == "day" {
		return nil, fieldError(field, lookup)
	}
	if lookup == "in" || lookup == "range" {
		list, err := listArg(v)
		if err != nil {
			return nil, err
		}
		strs := make([]string, 0, len(list))
		for _, e := range list {
			s, _ := stringArg(e)
			strs = append(strs, s)
		}
		if lookup == "range" {
			if len(strs) != 2 {
				return nil, rangeError(len(strs))
			}
			lo, hi := strs[0], strs[1]
			return func(s string, null bool) bool { return !null && s >= lo && s <= hi }, nil
		}
		return func(s string, null bool) bool {
			if null {
				return false
			}
			for _, w := range strs {
				if s == w {
					return true
				}
			}
			return false
		}, nil
	}
	want, _ := stringArg(v)
	lw := strings.ToLower(want)
	var test func(s string) bool
	switch lookup {
	case "":
		test = func(s string) bool { return s == want }
	case "iexact":
		test = func(s string) bool { return strings.ToLower(s) == lw }
	case "contains":
		test = func(s string) bool { return strings.Contains(s, want) }
	case "icontains":
		test = func(s string) bool { return strings.Contains(strings.ToLower(s), lw) }
	case "startswith":
		test = func(s string) bool { return strings.HasPrefix(s, want) }
	case "istartswith":
		test = func(s string) bool { return strings.HasPrefix(strings.ToLower(s), lw) }
	case "endswith":
		test = func(s string) bool { return strings.HasSuffix(s, want) }
	case "iendswith":
		test = func(s string) bool { return strings.HasSuffix(strings.ToLower(s), lw) }
	case "gt":
		test = func(s string) bool { return s > want }
	case "gte":
		test = func(s string) bool { return s >= want }
	case "lt":
		test = func(s string) bool { return s < want }
	}
	return func(s string, null bool) bool { return !null && test(s) }, nil
}

// intLookup builds the test of an integer column (id). Text lookups compare
// the decimal form, as the database does after a cast.
func intLookup(field, lookup string, v any) (predicate[int64], error) {
	switch lookup {
	case "isnull":
		want := truthy(v)
		return func(int64) bool { return !want }, nil // ids are never NULL
	case "year", "month", "day":
		return nil, fieldError(field, lookup)
	case "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith":
		t, err := stringLookup(field, lookup, v)
		if err != nil {
			return nil, err
		}
		return func(n int64) bool { return t(strconv.FormatInt(n, 10), false) }, nil
	case "in", "range":
		list, err := listArg(v)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, 0, len(list))
		for _, e := range list {
			id, ok, err := idArg(e, field)
			if err != nil {
				return nil, err
			}
			if ok {
				ids = append(ids, id)
			}
		}
		if lookup == "range" {
			if len(list) != 2 {
				return nil, rangeError(len(list))
			}
			if len(ids) != 2 {
				return func(int64) bool { return false }, nil
			}
			return func(n int64) bool { return n >= ids[0] && n <= ids[1] }, nil
		}
		return func(n int64) bool {
			for _, id := range ids {
				if n == id {
					return true
				}
			}
			return false
		}, nil
	}
	want, ok, err := idArg(v, field)
	if err != nil {
		return nil, err
	}
	if !ok { // compared with None: nothing matches
		return func(int64) bool { return false }, nil
	}
	switch lookup {
	case "gt":
		return func(n int64) bool { return n > want }, nil
	case "gte":
		return func(n int64) bool { return n >= want }, nil
	case "lt":
		return func(n int64) bool { return n < want }, nil
	}
	return func(n int64) bool { return n == want }, nil // "" and iexact
}

// boolLookup builds the test of a boolean column (archived).
func boolLookup(field, lookup string, v any) (predicate[bool], error) {
	asInt := func(b bool) int64 {
		if b {
			return 1
		}
		return 0
	}
	switch lookup {
	case "isnull":
		want := truthy(v)
		return func(bool) bool { return !want }, nil
	case "year", "month", "day":
		return nil, fieldError(field, lookup)
	case "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith":
		t, err := stringLookup(field, lookup, v)
		if err != nil {
			return nil, err
		}
		return func(b bool) bool { return t(strconv.FormatInt(asInt(b), 10), false) }, nil
	case "in", "range":
		list, err := listArg(v)
		if err != nil {
			return nil, err
		}
		vals := make([]int64, 0, len(list))
		for _, e := range list {
			b, err := boolArg(e)
			if err != nil {
				return nil, err
			}
			vals = append(vals, asInt(b))
		}
		if lookup == "range" {
			if len(vals) != 2 {
				return nil, rangeError(len(vals))
			}
			return func(b bool) bool { return asInt(b) >= vals[0] && asInt(b) <= vals[1] }, nil
		}
		return func(b bool) bool {
			for _, w := range vals {
				if asInt(b) == w {
					return true
				}
			}
			return false
		}, nil
	}
	want, err := boolArg(v)
	if err != nil {
		return nil, err
	}
	w := asInt(want)
	switch lookup {
	case "gt":
		return func(b bool) bool { return asInt(b) > w }, nil
	case "gte":
		return func(b bool) bool { return asInt(b) >= w }, nil
	case "lt":
		return func(b bool) bool { return asInt(b) < w }, nil
	}
	return func(b bool) bool { return b == want }, nil
}

// dateLookup builds the test of the date column. Dates are UTC; year,
// month and day take integers.
func dateLookup(field, lookup string, v any) (predicate[time.Time], error) {
	switch lookup {
	case "isnull":
		want := truthy(v)
		return func(time.Time) bool { return !want }, nil
	case "year", "month", "day":
		n, ok, err := idArg(v, field)
		if err != nil {
			return nil, err
		}
		if !ok {
			return func(time.Time) bool { return false }, nil
		}
		return func(t time.Time) bool {
			t = t.UTC()
			switch lookup {
			case "year":
				return int64(t.Year()) == n
			case "month":
				return int64(t.Month()) == n
			}
			return int64(t.Day()) == n
		}, nil
	case "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith":
		t, err := stringLookup(field, lookup, v)
		if err != nil {
			return nil, err
		}
		return func(d time.Time) bool { return t(pyDate(d), false) }, nil
	case "in", "range":
		list, err := listArg(v)
		if err != nil {
			return nil, err
		}
		times := make([]time.Time, 0, len(list))
		for _, e := range list {
			t, err := timeArg(e)
			if err != nil {
				return nil, err
			}
			times = append(times, t)
		}
		if lookup == "range" {
			if len(times) != 2 {
				return nil, rangeError(len(times))
			}
			return func(t time.Time) bool { return !t.Before(times[0]) && !t.After(times[1]) }, nil
		}
		return func(t time.Time) bool {
			for _, w := range times {
				if t.Equal(w) {
					return true
				}
			}
			return false
		}, nil
	}
	if v == nil {
		return func(time.Time) bool { return false }, nil
	}
	want, err := timeArg(v)
	if err != nil {
		return nil, err
	}
	switch lookup {
	case "gt":
		return func(t time.Time) bool { return t.After(want) }, nil
	case "gte":
		return func(t time.Time) bool { return !t.Before(want) }, nil
	case "lt":
		return func(t time.Time) bool { return t.Before(want) }, nil
	}
	return func(t time.Time) bool { return t.Equal(want) }, nil
}

// truthy is Python's bool() of a decoded value.
func truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case int64:
		return t != 0
	case float64:
		return t != 0
	case string:
		return t != ""
	case Binary:
		return len(t) != 0
	case Struct:
		return len(t) != 0
	case []any:
		return len(t) != 0
	}
	return true
}

func fieldError(field, lookup string) *Fault {
	return fault("django.core.exceptions.FieldError", "Unsupported lookup '%s' for field '%s' or join on the field not permitted.", lookup, field)
}

func rangeError(n int) *Fault {
	if n > 2 {
		return fault("ValueError", "too many values to unpack (expected 2)")
	}
	return fault("ValueError", "not enough values to unpack (expected 2, got %d)", n)
}
