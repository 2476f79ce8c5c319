package storetest

import (
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

func testStatesTags(t *testing.T, s store.Store) {
	states, err := s.ListStates(ctx)
	must(t, err)
	var slugs []string
	for i, st := range states {
		slugs = append(slugs, st.Slug)
		if i > 0 && st.Ordering < states[i-1].Ordering {
			t.Errorf("ListStates not by ordering: %+v", states)
		}
		if st.ID == 0 || st.Name == "" {
			t.Errorf("state %+v", st)
		}
	}
	// Upstream's states, in upstream's order.
	eq(t, "state slugs", slugs, []string{"new", "under-review", "accepted", "rejected", "rfc", "not-applicable",
		"changes-requested", "awaiting-upstream", "superseded", "deferred"})
	for _, st := range states {
		want := st.Slug == "new" || st.Slug == "under-review" || st.Slug == "awaiting-upstream"
		if st.ActionRequired != want {
			t.Errorf("state %s: action required %v", st.Slug, st.ActionRequired)
		}
	}
	tags, err := s.ListTags(ctx)
	must(t, err)
	var names []string
	for _, tg := range tags {
		names = append(names, tg.Name+"="+tg.Abbrev)
		if tg.Pattern == "" || !tg.ShowColumn {
			t.Errorf("tag %+v", tg)
		}
	}
	eq(t, "tags", names, []string{"Acked-by=A", "Reviewed-by=R", "Tested-by=T"})
}
