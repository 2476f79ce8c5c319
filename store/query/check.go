package query

import (
	"strconv"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// isValues maps is: values to the field they test and the value tested.
var isValues = map[string]struct {
	field store.Field
	val   bool
}{
	"archived":        {store.FieldArchived, true},
	"active":          {store.FieldArchived, false},
	"pull":            {store.FieldIsPull, true},
	"action-required": {store.FieldActionRequired, true},
	"committed":       {store.FieldHasCommitRef, true},
}

const isList = "archived, active, pull, action-required, committed"

// check validates the values that need no database.
func check(t Term) error {
	switch t.Key {
	case "is":
		for _, v := range t.Values {
			if _, ok := isValues[strings.ToLower(v.Text)]; !ok {
				return errAt(v.Col, "unknown is: value %q (want %s)", v.Text, isList)
			}
		}
	case "check":
		for _, v := range t.Values {
			if _, ok := parseCheck(v.Text); !ok {
				return errAt(v.Col, "unknown check state %q (want pending, success, warning, fail)", v.Text)
			}
		}
	case "series", "id":
		for _, v := range t.Values {
			if _, err := parseID(v.Text); err != nil {
				return errAt(v.Col, "%s: %q is not a positive number", t.Key, v.Text)
			}
		}
	case "date":
		if len(t.Values) != 1 {
			return errAt(t.Values[1].Col-1, "date: takes one date, not a list")
		}
		if _, _, err := parseDate(t.Values[0]); err != nil {
			return err
		}
	}
	return nil
}

func parseID(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err == nil && n <= 0 {
		err = strconv.ErrRange
	}
	return n, err
}

func parseCheck(s string) (store.CheckState, bool) {
	s = strings.ToLower(s)
	switch s {
	case "failed", "failure":
		s = "fail"
	case "warn":
		s = "warning"
	case "ok", "pass":
		s = "success"
	}
	return store.ParseCheckState(s)
}

// dateOps is ordered so that two-character operators are tried first.
var dateOps = []struct {
	text string
	op   store.Op
}{
	{">=", store.OpGe}, {"<=", store.OpLe}, {">", store.OpGt}, {"<", store.OpLt}, {"=", store.OpEq},
}

// parseDate reads "[op]YYYY-MM-DD" or "[op]RFC3339" as UTC.
func parseDate(v Value) (store.Op, time.Time, error) {
	text, op, col := v.Text, store.OpEq, v.Col
	for _, o := range dateOps {
		if strings.HasPrefix(text, o.text) {
			text, op, col = text[len(o.text):], o.op, col+len(o.text)
			break
		}
	}
	if text == "" {
		return 0, time.Time{}, errAt(col, "date: needs a date after the operator (YYYY-MM-DD)")
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, text); err == nil {
			return op, t.UTC(), nil
		}
	}
	return 0, time.Time{}, errAt(col, "bad date %q (want YYYY-MM-DD, optionally after >, >=, <, <=, =)", text)
}
