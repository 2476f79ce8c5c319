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

func uniq(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func chunks(ids []int64, n int) [][]int64 {
	var out [][]int64
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// strArgs turns strings into query arguments.
func strArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, v := range ss {
		out[i] = v
	}
	return out
}

// uniqStrings drops repeated strings, keeping the first of each.
func uniqStrings(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, v := range ss {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// strChunks splits ss into slices of at most n.
func strChunks(ss []string, n int) [][]string {
	var out [][]string
	for len(ss) > n {
		out = append(out, ss[:n])
		ss = ss[n:]
	}
	if len(ss) > 0 {
		out = append(out, ss)
	}
	return out
}

// valuesRows renders n rows of cols placeholders: "(?, ?), (?, ?)".
func valuesRows(n, cols int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}
