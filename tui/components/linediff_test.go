package components

import (
	"slices"
	"strings"
	"testing"
)

func TestLineDiff(t *testing.T) {
	t.Parallel()
	lines := func(s string) []string { return strings.Split(s, " ") }
	cases := []struct {
		name, a, b string
		context    int
		want       []string
	}{
		{"equal", "a b c", "a b c", 3, nil},
		{"change in the middle", "a b c d e", "a b X d e", 1,
			[]string{"@@ -2,3 +2,3 @@", " b", "-c", "+X", " d"}},
		{"insert at the start", "b c", "a b c", 3,
			[]string{"@@ -1,2 +1,3 @@", "+a", " b", " c"}},
		{"two hunks far apart", "1 2 3 4 5 6 7 8 9", "X 2 3 4 5 6 7 8 Y", 1,
			[]string{"@@ -1,2 +1,2 @@", "-1", "+X", " 2", "@@ -8,2 +8,2 @@", " 8", "-9", "+Y"}},
		{"close changes share a hunk", "1 2 3 4 5", "X 2 3 Y 5", 1,
			[]string{"@@ -1,5 +1,5 @@", "-1", "+X", " 2", " 3", "-4", "+Y", " 5"}},
	}
	for _, c := range cases {
		got := LineDiff(lines(c.a), lines(c.b), c.context)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

// TestLineDiffHuge: past the table limit the middle is replaced as a
// whole, still a correct (if long) diff.
func TestLineDiffHuge(t *testing.T) {
	t.Parallel()
	a := make([]string, 3000)
	b := make([]string, 3000)
	for i := range a {
		a[i], b[i] = "a"+strings.Repeat("x", i%7), "b"+strings.Repeat("y", i%5)
	}
	got := LineDiff(a, b, 3)
	if len(got) != 1+6000 || got[0] != "@@ -1,3000 +1,3000 @@" {
		t.Fatalf("%d lines, first %q", len(got), got[0])
	}
}
