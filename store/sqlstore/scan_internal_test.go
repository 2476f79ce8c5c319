package sqlstore

import (
	"testing"
	"time"
)

// parseSQLiteTime must agree with time.Parse(sqliteTime) on every input.
func TestParseSQLiteTime(t *testing.T) {
	for _, s := range []string{
		"2024-03-01 10:00:00.000000", "2024-03-01 10:00:00.123456", "1970-01-01 00:00:00.000001",
		"2000-02-29 23:59:59.999999", "2001-02-29 10:00:00.000000", "2024-13-01 10:00:00.000000",
		"2024-00-10 10:00:00.000000", "2024-04-31 10:00:00.000000", "2024-03-01 24:00:00.000000",
		"2024-03-01 10:60:00.000000", "2024-03-01 10:00:60.000000", "2024-03-01T10:00:00.000000",
		"2024-03-01 10:00:00", "2024-03-01 10:00:00.00000x", "2024-3-01 10:00:00.0000000", "",
		"0001-01-01 00:00:00.000000", "9999-12-31 23:59:59.999999", "2024-03-00 10:00:00.000000",
	} {
		want, werr := time.Parse(sqliteTime, s)
		got, ok := parseSQLiteTime(s)
		if ok != (werr == nil) || ok && !got.Equal(want) || ok && got.Location() != time.UTC {
			t.Errorf("parseSQLiteTime(%q) = %v, %t; time.Parse: %v, %v", s, got, ok, want, werr)
		}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	for d := time.Duration(0); d < 400*24*time.Hour; d += 7*time.Hour + 13*time.Minute + 17*time.Second + 123457*time.Microsecond {
		s := now.Add(-d).Format(sqliteTime)
		want, _ := time.Parse(sqliteTime, s)
		if got, ok := parseSQLiteTime(s); !ok || !got.Equal(want) {
			t.Fatalf("parseSQLiteTime(%q) = %v, %t, want %v", s, got, ok, want)
		}
	}
}
