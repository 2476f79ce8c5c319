package common

import (
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

// CoverConversation reads the replies to a cover letter, their authors
// and the tags they give the series.
func (c *Common) CoverConversation(coverID int64, tags []store.Tag) ([]store.Comment, map[int64]store.Person, store.TagCounts, error) {
	cs, err := c.Store.ListComments(c.Ctx, store.CommentQuery{CoverID: coverID, Order: "date"})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("replies to cover %d: %w", coverID, err)
	}
	ids := make([]int64, len(cs))
	texts := make([]string, len(cs))
	for i, cm := range cs {
		ids[i], texts[i] = cm.SubmitterID, cm.Content
	}
	people, err := c.Store.GetPeople(c.Ctx, ids)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("people: %w", err)
	}
	return cs, people, store.CountTags(tags, texts...), nil
}
