package sqlstore

import (
	"errors"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// orderBy renders "ORDER BY col [DESC], id [DESC]" from an API order string
// ("name", "-date"); unknown names fall back to def ascending. Ties break
// by idCol in the same direction.
func orderBy(order string, cols map[string]string, def, idCol string) string {
	desc := strings.HasPrefix(order, "-")
	col, ok := cols[strings.TrimPrefix(order, "-")]
	if !ok {
		col, desc = cols[def], false
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	if col == idCol {
		return " ORDER BY " + col + dir
	}
	return " ORDER BY " + col + dir + ", " + idCol + dir
}

// uniq drops repeated values, keeping the first of each.
func uniq[T comparable](vs []T) []T {
	seen := make(map[T]bool, len(vs))
	out := make([]T, 0, len(vs))
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// chunks splits vs into slices of at most n (one query per chunk).
func chunks[T any](vs []T, n int) [][]T {
	var out [][]T
	for len(vs) > n {
		out = append(out, vs[:n])
		vs = vs[n:]
	}
	if len(vs) > 0 {
		out = append(out, vs)
	}
	return out
}

// valuesRows renders n rows of cols placeholders: "(?, ?), (?, ?)".
func valuesRows(n, cols int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// anyOf adds "col IN (ids)" unless ids is empty (no test).
func anyOf(where []string, args []any, col string, ids []int64) ([]string, []any) {
	if len(ids) == 0 {
		return where, args
	}
	ids = uniq(ids)
	return append(where, col+" IN ("+placeholders(len(ids))+")"), append(args, argsOf(ids)...)
}

// allContained adds one case-insensitive substring test of col per
// non-empty term.
func allContained(where []string, args []any, col, like string, terms []string) ([]string, []any) {
	for _, t := range append([]string{like}, terms...) {
		if t != "" {
			where, args = append(where, contains(col)), append(args, containsArg(t))
		}
	}
	return where, args
}
