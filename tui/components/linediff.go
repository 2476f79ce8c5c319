package components

import (
	"fmt"
)

// maxDiffCells bounds the LCS table (rows × columns) so that comparing two
// huge, unrelated versions cannot eat the server's memory; past it the
// changed middle is shown as removed then added.
const maxDiffCells = 4 << 20

// LineDiff compares two texts line by line and returns a unified diff body
// ("@@ -a,n +b,m @@" hunks with context lines; "-", "+" and " " prefixes).
// It returns nil when they are equal.
func LineDiff(a, b []string, context int) []string {
	ops := diffOps(a, b)
	return unified(ops, context)
}

// op is one line of an edit script: ' ' kept, '-' only in a, '+' only in b.
type op struct {
	kind   byte
	line   string
	ai, bi int // line numbers (0-based) in a and b before this op
}

func diffOps(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	ops := make([]op, 0, len(a)+len(b))
	for i := range pre {
		ops = append(ops, op{kind: ' ', line: a[i], ai: i, bi: i})
	}
	ops = append(ops, middle(ma, mb, pre)...)
	for i := range suf {
		ai, bi := len(a)-suf+i, len(b)-suf+i
		ops = append(ops, op{kind: ' ', line: a[ai], ai: ai, bi: bi})
	}
	return ops
}

// middle diffs the part between the common prefix and suffix with an LCS
// table; off is the prefix length, for line numbers.
func middle(a, b []string, off int) []op {
	n, m := len(a), len(b)
	var out []op
	if n == 0 || m == 0 || n*m > maxDiffCells {
		for i, l := range a {
			out = append(out, op{kind: '-', line: l, ai: off + i, bi: off})
		}
		for j, l := range b {
			out = append(out, op{kind: '+', line: l, ai: off + n, bi: off + j})
		}
		return out
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:], in one flat slice.
	w := m + 1
	lcs := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
				lcs[i*w+j] = lcs[(i+1)*w+j]
			default:
				lcs[i*w+j] = lcs[i*w+j+1]
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, op{kind: ' ', line: a[i], ai: off + i, bi: off + j})
			i++
			j++
		case i < n && (j == m || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
			// Removals before additions, as diff(1) shows a change.
			out = append(out, op{kind: '-', line: a[i], ai: off + i, bi: off + j})
			i++
		default:
			out = append(out, op{kind: '+', line: b[j], ai: off + i, bi: off + j})
			j++
		}
	}
	return out
}

// unified groups changes with their context into hunks.
func unified(ops []op, context int) []string {
	var out []string
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-context, 0)
		// Extend the hunk while the next change is within 2×context lines.
		end := i
		for {
			for end < len(ops) && ops[end].kind != ' ' {
				end++
			}
			next := end
			for next < len(ops) && ops[next].kind == ' ' && next-end < 2*context+1 {
				next++
			}
			if next < len(ops) && ops[next].kind != ' ' {
				end = next
				continue
			}
			end = min(end+context, len(ops))
			break
		}
		na, nb := 0, 0
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				na++
			}
			if o.kind != '-' {
				nb++
			}
		}
		out = append(out, fmt.Sprintf("@@ -%d,%d +%d,%d @@", ops[start].ai+1, na, ops[start].bi+1, nb))
		for _, o := range ops[start:end] {
			out = append(out, string(o.kind)+o.line)
		}
		i = end
	}
	return out
}
