package xmlrpc

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Argument coercion mirrors what Django does with the values upstream hands
// it, for the forms clients really send.

// pyValueRepr renders a decoded value roughly as Python's repr, for fault
// texts.
func pyValueRepr(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case string:
		return pyRepr(t)
	case Binary:
		return "b" + pyRepr(string(t))
	case bool:
		if t {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return pyFloat(t)
	case Struct:
		parts := make([]string, 0, len(t))
		for _, m := range t {
			parts = append(parts, pyRepr(m.Name)+": "+pyValueRepr(m.Value))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			parts = append(parts, pyValueRepr(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case DateTime:
		return "<DateTime '" + t.Text + "'>"
	}
	return fmt.Sprint(v)
}

// idArg reads an id the way Django's IntegerField does: an int, a decimal
// string (space allowed), a boolean or an integral double. nil means "no
// value" (Django's id=None matches nothing): ok is false.
func idArg(v any, field string) (id int64, ok bool, err error) {
	switch t := v.(type) {
	case nil:
		return 0, false, nil
	case int64:
		return t, true, nil
	case bool:
		if t {
			return 1, true, nil
		}
		return 0, true, nil
	case float64:
		if !math.IsNaN(t) && !math.IsInf(t, 0) && math.Abs(t) < 1<<62 {
			return int64(t), true, nil
		}
	case string:
		if n, err := parseInt(t); err == nil {
			return n, true, nil
		}
		return 0, false, fault("ValueError", "Field '%s' expected a number but got %s.", field, pyRepr(t))
	case Binary:
		if n, err := parseInt(string(t)); err == nil {
			return n, true, nil
		}
	}
	return 0, false, fault("TypeError", "Field '%s' expected a number but got %s.", field, pyValueRepr(v))
}

// stringArg reads a value used as text (search strings, names, refs):
// Django converts with str().
func stringArg(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", false
	case string:
		return t, true
	case Binary:
		return string(t), true
	case DateTime:
		return t.Text, true
	}
	return pyValueRepr(v), true
}

// countArg reads max_count: upstream compares it with 0, so it must be a
// number (nil means the default 0).
func countArg(v any) (int64, error) {
	switch t := v.(type) {
	case nil:
		return 0, nil
	case int64:
		// -2^63 has no negation in int64: the last -n would index before
		// the list.
		if t == math.MinInt64 {
			return 0, refuse(fault("OverflowError", "max_count out of range: %d", t), "max_count out of range")
		}
		return t, nil
	case bool:
		if t {
			return 1, nil
		}
		return 0, nil
	case float64:
		// int64(NaN) and out-of-range conversions are undefined in Go
		// (NaN gave -2^63 and a panic on slicing); Python's int() refuses
		// the first and the second has no use.
		switch {
		case math.IsNaN(t):
			return 0, refuse(fault("ValueError", "cannot convert float NaN to integer"), "max_count NaN")
		case t <= math.MinInt64 || t >= math.MaxInt64:
			return 0, refuse(fault("OverflowError", "max_count out of range: %s", pyFloat(t)), "max_count out of range")
		}
		return int64(t), nil
	case string:
		// Python 3 cannot compare str with int; numeric strings are a
		// harmless kindness.
		if n, err := parseInt(t); err == nil {
			return n, nil
		}
		return 0, fault("TypeError", "'>' not supported between instances of 'str' and 'int'")
	}
	return 0, fault("TypeError", "'>' not supported between instances of '%s' and 'int'", pyTypeName(v))
}

func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case string:
		return "str"
	case Binary:
		return "Binary"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case Struct:
		return "dict"
	case []any:
		return "list"
	case DateTime:
		return "DateTime"
	}
	return fmt.Sprintf("%T", v)
}

// boolArg reads a boolean as Django's BooleanField.to_python does.
func boolArg(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case int64:
		if t == 0 || t == 1 {
			return t == 1, nil
		}
	case string:
		switch t {
		case "t", "True", "1":
			return true, nil
		case "f", "False", "0":
			return false, nil
		}
	}
	return false, fault("django.core.exceptions.ValidationError", "['“%s” value must be either True or False.']", strings.Trim(pyValueRepr(v), "'"))
}

// timeArg reads a date for the date filter: "YYYY-MM-DD" or
// "YYYY-MM-DD HH:MM[:SS[.ffffff]]" (also with 'T'), a dateTime.iso8601, all
// UTC.
func timeArg(v any) (time.Time, error) {
	switch t := v.(type) {
	case DateTime:
		if !t.Time.IsZero() {
			return t.Time, nil
		}
	case string:
		s := strings.TrimSpace(t)
		for _, layout := range []string{
			"2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02 15:04:05.999999",
			"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999",
			"2006-01-02 15:04:05Z07:00", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999Z07:00",
		} {
			if tm, err := time.Parse(layout, s); err == nil {
				return tm.UTC(), nil
			}
		}
	}
	return time.Time{}, fault("django.core.exceptions.ValidationError", "['“%s” value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.']", strings.Trim(pyValueRepr(v), "'"))
}

// listArg reads the value of an __in lookup: an array, or (as Python
// iterates it) a string's characters.
func listArg(v any) ([]any, error) {
	switch t := v.(type) {
	case []any:
		return t, nil
	case string:
		out := make([]any, 0, len(t))
		for _, r := range t {
			out = append(out, string(r))
		}
		return out, nil
	}
	return nil, fault("TypeError", "'%s' object is not iterable", pyTypeName(v))
}

// pyDate formats a time as Python's str(datetime): microseconds only when
// they are not zero.
func pyDate(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 != 0 {
		return t.Format("2006-01-02 15:04:05.000000")
	}
	return t.Format("2006-01-02 15:04:05")
}
