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
