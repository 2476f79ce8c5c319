package sqlstore

import (
	"fmt"
	"strconv"
	"time"
)

// Scanners for nullable columns: NULL becomes the Go zero value, following
// the store's convention ("" and 0 mean unset).

type nullStr struct{ p *string }

func (n nullStr) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*n.p = ""
	case string:
		*n.p = x
	case []byte:
		*n.p = string(x)
	default:
		*n.p = fmt.Sprint(x)
	}
	return nil
}

type nullInt64 struct{ p *int64 }

func (n nullInt64) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*n.p = 0
	case int64:
		*n.p = x
	case int32:
		*n.p = int64(x)
	case []byte:
		i, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return fmt.Errorf("scan int: %w", err)
		}
		*n.p = i
	case string:
		i, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return fmt.Errorf("scan int: %w", err)
		}
		*n.p = i
	default:
		return fmt.Errorf("scan int: unexpected %T", v)
	}
	return nil
}

type nullInt struct{ p *int }

func (n nullInt) Scan(v any) error {
	var i int64
	if err := (nullInt64{&i}).Scan(v); err != nil {
		return err
	}
	*n.p = int(i)
	return nil
}

// nullBoolPtr scans a nullable boolean into a *bool (nil for NULL).
type nullBoolPtr struct{ p **bool }

func (n nullBoolPtr) Scan(v any) error {
	var b bool
	switch x := v.(type) {
	case nil:
		*n.p = nil
		return nil
	case bool:
		b = x
	case int64:
		b = x != 0
	case []byte:
		b = string(x) == "1" || string(x) == "true" || string(x) == "t"
	case string:
		b = x == "1" || x == "true" || x == "t"
	default:
		return fmt.Errorf("scan bool: unexpected %T", v)
	}
	*n.p = &b
	return nil
}

// timeCol scans a time from any dialect into UTC.
type timeCol struct{ p *time.Time }

var timeLayouts = []string{
	sqliteTime,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999-07:00",
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

func (c timeCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.p = time.Time{}
	case time.Time:
		*c.p = x.UTC()
	case string:
		return c.parse(x)
	case []byte:
		return c.parse(string(x))
	default:
		return fmt.Errorf("scan time: unexpected %T", v)
	}
	return nil
}

func (c timeCol) parse(s string) error {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			*c.p = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("scan time: cannot parse %q", s)
}

// nullable helpers for arguments.

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
