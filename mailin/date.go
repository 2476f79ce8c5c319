package mailin

import (
	"strconv"
	"strings"
	"time"
)

var monthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul",
	"aug", "sep", "oct", "nov", "dec",
	"january", "february", "march", "april", "may", "june", "july",
	"august", "sept", "october", "november", "december"}

var dayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

var zones = map[string]int64{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
	"AST": -400, "ADT": -300, "EST": -500, "EDT": -400, "CST": -600,
	"CDT": -500, "MST": -700, "MDT": -600, "PST": -800, "PDT": -700,
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// pyInt is Python's int() on a str: optional sign, surrounding whitespace,
// ASCII digits (with '_' separators). Values beyond ±1e15 are refused so
// that later arithmetic cannot overflow: such dates are out of range anyway.
func pyInt(s string) (int64, bool) {
	s = strings.TrimFunc(s, isPySpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, false
	}
	s = strings.ReplaceAll(s, "_", "")
	var v int64
	big := false
	for _, r := range s {
		d, ok := digitValue(r)
		if !ok {
			return 0, false
		}
		if v > 1e15 {
			big = true
			continue
		}
		v = v*10 + int64(d)
	}
	if big {
		v = 1e16
	}
	if neg {
		v = -v
	}
	return v, true
}

// parseDate is email.utils.parsedate_tz followed by mktime_tz and
// utcfromtimestamp (spec §5.5). ok is false when upstream falls back to
// the current time. A missing or unknown zone is UTC.
func parseDate(h string) (time.Time, bool) {
	data := strings.FieldsFunc(h, isPySpace)
	if len(data) == 0 {
		return time.Time{}, false
	}
	if strings.HasSuffix(data[0], ",") || indexOf(dayNames, strings.ToLower(data[0])) >= 0 {
		data = data[1:]
	} else if i := strings.LastIndexByte(data[0], ','); i >= 0 {
		data[0] = data[0][i+1:]
	}
	if len(data) == 3 {
		if stuff := strings.Split(data[0], "-"); len(stuff) == 3 {
			data = append(stuff, data[1:]...)
		}
	}
	if len(data) == 4 {
		s := data[3]
		i := strings.IndexByte(s, '+')
		if i == -1 {
			i = strings.IndexByte(s, '-')
		}
		if i > 0 {
			data = append(data[:3], s[:i], s[i:])
		} else {
			data = append(data, "")
		}
	}
	if len(data) < 5 {
		return time.Time{}, false
	}
	dd, mm, yy, tm, tz := data[0], data[1], data[2], data[3], data[4]
	if dd == "" || mm == "" || yy == "" {
		return time.Time{}, false
	}
	mm = strings.ToLower(mm)
	mi := indexOf(monthNames, mm)
	if mi < 0 {
		dd, mm = mm, strings.ToLower(dd)
		mi = indexOf(monthNames, mm)
		if mi < 0 {
			return time.Time{}, false
		}
	}
	month := mi + 1
	if month > 12 {
		month -= 12
	}
	dd = strings.TrimSuffix(dd, ",")
	if i := strings.IndexByte(yy, ':'); i > 0 {
		yy, tm = tm, yy
	}
	if strings.HasSuffix(yy, ",") {
		yy = yy[:len(yy)-1]
		if yy == "" {
			return time.Time{}, false
		}
	}
	if r := []rune(yy); len(r) == 0 || !isPyDigit(r[0]) {
		yy, tz = tz, yy
	}
	tm = strings.TrimSuffix(tm, ",")
	parts := strings.Split(tm, ":")
	var thh, tmm, tss string
	switch {
	case len(parts) == 2:
		thh, tmm, tss = parts[0], parts[1], "0"
	case len(parts) == 3:
		thh, tmm, tss = parts[0], parts[1], parts[2]
	case len(parts) == 1 && strings.Contains(parts[0], "."):
		p := strings.Split(parts[0], ".")
		switch len(p) {
		case 2:
			thh, tmm, tss = p[0], p[1], "0"
		case 3:
			thh, tmm, tss = p[0], p[1], p[2]
		default:
			return time.Time{}, false
		}
	default:
		return time.Time{}, false
	}
	year, ok1 := pyInt(yy)
	day, ok2 := pyInt(dd)
	hour, ok3 := pyInt(thh)
	min, ok4 := pyInt(tmm)
	sec, ok5 := pyInt(tss)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return time.Time{}, false
	}
	if year < 100 && year >= 0 {
		if year > 68 {
			year += 1900
		} else {
			year += 2000
		}
	}
	var off int64
	tzu := strings.ToUpper(tz)
	if z, ok := zones[tzu]; ok {
		off = z
	} else if v, ok := pyInt(tzu); ok {
		off = v
		if v == 0 && strings.HasPrefix(tzu, "-") {
			off = 0
		}
	}
	if off != 0 {
		sign := int64(1)
		if off < 0 {
			sign, off = -1, -off
		}
		if off > 1e12 {
			return time.Time{}, false
		}
		off = sign * ((off/100)*3600 + (off%100)*60)
	}
	// calendar.timegm: the year and month must be valid, the rest may
	// overflow into the next units.
	if year < 1 || year > 9999 {
		return time.Time{}, false
	}
	const lim = 1e13
	if day > lim || day < -lim || hour > lim || hour < -lim || min > lim || min < -lim || sec > lim || sec < -lim {
		return time.Time{}, false
	}
	first := time.Date(int(year), time.Month(month), 1, 0, 0, 0, 0, time.UTC).Unix()
	secs := first + ((day-1)*24+hour)*3600 + min*60 + sec - off
	t := time.Unix(secs, 0).UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}

func isPyDigit(r rune) bool { _, ok := digitValue(r); return ok }

var _ = strconv.Itoa
