package rest

import (
	"errors"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/query"
)

// searchConds turns q on patches/ into conditions. Upstream's rule: every
// term (split on whitespace and commas) must occur in the patch name.
// Extension: when q is a query of our query language using at least one
// key or negation ("state:new from:jane -wip", see store/query), it is
// applied as such. A query naming nothing (unknown state...) answers an
// empty list, like any REST filter, and says why in the
// X-Patchwork-Query-Error header.
func (c *call) searchConds() ([]store.Cond, error) {
	raw := c.last("q")
	terms := c.terms()
	if len(terms) == 0 {
		return nil, nil
	}
	if q, err := query.Parse(raw); err == nil && usesLanguage(q) {
		conds, err := q.Conds(c.ctx, query.StoreResolver(c.h.store, c.user))
		var qe *query.Error
		if errors.As(err, &qe) || errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) {
			c.w.Header().Set("X-Patchwork-Query-Error", err.Error())
			return nil, errEmpty
		}
		if err != nil {
			return nil, err
		}
		return conds, nil
	}
	return []store.Cond{{Field: store.FieldName, Strs: terms}}, nil
}

func usesLanguage(q *query.Query) bool {
	for _, t := range q.Terms {
		if t.Key != "" || t.Neg {
			return true
		}
	}
	return false
}
