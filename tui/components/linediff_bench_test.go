package components

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// versions makes two versions of an n-line text with about pct percent of
// lines changed, inserted or removed, as a v2 of a patch is.
func versions(n, pct int) (a, b []string) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		a = append(a, fmt.Sprintf("line %d: %x", i, r.Uint64()))
	}
	for _, l := range a {
		switch x := r.IntN(100); {
		case x < pct/3:
			b = append(b, l+" changed")
		case x < 2*pct/3:
			b = append(b, l, "inserted "+l)
		case x < pct:
		default:
			b = append(b, l)
		}
	}
	return a, b
}

func BenchmarkLineDiff(b *testing.B) {
	for _, c := range []struct{ n, pct int }{{300, 5}, {3000, 2}, {3000, 30}} {
		a, v := versions(c.n, c.pct)
		b.Run(fmt.Sprintf("%d-lines-%d%%", c.n, c.pct), func(b *testing.B) {
			for b.Loop() {
				LineDiff(a, v, 3)
			}
		})
	}
}

// TestLineDiffApplies applies each diff to the old version and must get
// the new one back: hunk headers, context and line order all have to be
// right for that.
func TestLineDiffApplies(t *testing.T) {
	for _, c := range []struct{ n, pct int }{{1, 100}, {20, 50}, {300, 5}, {3000, 30}} {
		a, v := versions(c.n, c.pct)
		d := LineDiff(a, v, 3)
		got, err := applyHunks(a, d)
		if err != nil || !slices.Equal(got, v) {
			t.Errorf("%d lines, %d%%: applying the diff gave %d lines (want %d), err %v", c.n, c.pct, len(got), len(v), err)
		}
	}
}

func applyHunks(a, d []string) ([]string, error) {
	var out []string
	next := 0 // next line of a not yet copied
	for i := 0; i < len(d); {
		var as, an, bs, bn int
		if _, err := fmt.Sscanf(d[i], "@@ -%d,%d +%d,%d @@", &as, &an, &bs, &bn); err != nil {
			return nil, fmt.Errorf("hunk header %q: %w", d[i], err)
		}
		start := max(as-1, 0)
		if an == 0 {
			start = as
		}
		if start < next || start > len(a) {
			return nil, fmt.Errorf("hunk %q out of order", d[i])
		}
		out = append(out, a[next:start]...)
		next = start
		for i++; i < len(d) && !strings.HasPrefix(d[i], "@@ "); i++ {
			l := d[i][1:]
			switch d[i][0] {
			case ' ', '-':
				if next >= len(a) || a[next] != l {
					return nil, fmt.Errorf("line %d: %q is not %q", next+1, l, a[min(next, len(a)-1)])
				}
				if d[i][0] == ' ' {
					out = append(out, l)
				}
				next++
			case '+':
				out = append(out, l)
			}
		}
	}
	return append(out, a[next:]...), nil
}
