package tui

import (
	"strconv"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func TestSearch(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia)
	h.waitFor("libuv")
	h.press("enter")
	h.waitFor("1 of 4")

	applied := "is:action-required -is:archived"
	search := func(q string) {
		h.typ("/")
		h.waitFor("\n/" + applied) // the prompt starts from the applied query
		h.press("ctrl+u")
		h.typ(q)
		h.press("enter")
	}
	cases := []struct {
		query string
		want  []string
		not   []string
	}{
		{"state:accepted", []string{"bump cmake", "1 of 1"}, []string{"doc: typo"}},
		{"is:archived", []string{"old: archived patch", "1 of 1"}, nil},
		{"from:bob", []string{"win: fix handle leak", "1 of 1"}, []string{"doc: typo"}},
		{"loop -v2", []string{"[PATCH 1/2] unix", "[PATCH 2/2] unix", "1 of 2"}, []string{"PATCH v2"}},
		{"delegate:me", []string{"win: fix handle leak", "1 of 1"}, nil},
		{"check:fail", []string{"[PATCH v2 1/2]", "1 of 1"}, nil},
		{"has:acked-by", []string{"win: fix handle leak", "1 of 1"}, nil},
		{"series:" + itoa(f.v1.ID), []string{"[PATCH 1/2] unix", "1 of 2"}, nil},
	}
	for _, c := range cases {
		search(c.query)
		s := h.waitFor(append([]string{"query: " + c.query}, c.want...)...)
		applied = c.query
		for _, n := range c.not {
			if strings.Contains(s, n) {
				t.Errorf("query %q lists %q:\n%s", c.query, n, s)
			}
		}
	}

	// A bad query keeps the prompt open and says what is wrong, where.
	search("state:new from:x state:neww")
	s := h.waitFor(`col 24: unknown state "neww"`)
	lines := strings.Split(trimRight(s), "\n")
	if lines[1] != "/state:new from:x state:neww" || !strings.HasPrefix(lines[2], strings.Repeat(" ", 24)+"^ col 24") {
		t.Errorf("want the prompt open with a caret under column 24:\n%s", s)
	}
	h.press("esc")
	h.waitFor("query: series:")

	// An empty query lists everything, archived patches included.
	search("")
	h.waitFor("all patches", "1 of 8")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
