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
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseSQLiteTime reads the sqliteTime layout ("2006-01-02 15:04:05.000000",
// how this store writes every SQLite time) without time.Parse, whose
// general layout matching is most of the cost of reading a time column.
// ok is false for anything else, or an invalid date.
func parseSQLiteTime(s string) (time.Time, bool) {
	if len(s) != len(sqliteTime) || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != '.' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			d := s[i] - '0'
			if d > 9 {
				return 0, false
			}
			n = n*10 + int(d)
		}
		return n, true
	}
	var f [7]int
	for i, r := range [7][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}, {20, 26}} {
		n, ok := num(r[0], r[1])
		if !ok {
			return time.Time{}, false
		}
		f[i] = n
	}
	if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 59 {
		return time.Time{}, false
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6]*1000, time.UTC)
	if t.Day() != f[2] { // 31 February and the like: time.Parse refuses them
		return time.Time{}, false
	}
	return t, true
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
	if t, ok := parseSQLiteTime(s); ok {
		*c.p = t
		return nil
	}
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
