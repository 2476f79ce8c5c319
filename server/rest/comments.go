package rest

import (
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// commentSubject is the stored Subject header, as stored.
func commentSubject(headers string) string {
	for _, f := range parseHeaders(headers) {
		if strings.EqualFold(f.k, "Subject") {
			switch v := f.v.(type) {
			case string:
				return v
			case []string:
				return v[0]
			}
		}
	}
	return ""
}

func (c *call) commentFull(cm *store.Comment) (obj, error) {
	o, err := c.embComment(cm)
	if err != nil {
		return nil, err
	}
	sub, err := c.person(cm.SubmitterID)
	if err != nil {
		return nil, err
	}
	o = o.add("subject", commentSubject(cm.Headers)).
		add("submitter", c.embPerson(sub)).
		add("content", nullStr(cm.Content)).
		add("headers", parseHeaders(cm.Headers))
	if c.since(3) {
		o = o.add("addressed", cm.Addressed)
	}
	return o, nil
}

func (c *call) patchCommentList() error {
	p, err := c.patchByPath()
	if err != nil {
		return err
	}
	return c.commentList(store.CommentQuery{PatchID: p.ID})
}

func (c *call) coverCommentList() error {
	cv, err := c.coverByPath()
	if err != nil {
		return err
	}
	return c.commentList(store.CommentQuery{CoverID: cv.ID})
}

// commentList lists a parent's comments; q searches the Subject.
func (c *call) commentList(q store.CommentQuery) error {
	all, err := c.h.store.ListComments(c.ctx, q)
	if err != nil {
		return fmt.Errorf("list comments: %w", err)
	}
	terms := c.terms()
	list := all[:0]
	var people []int64
	for _, cm := range all {
		if matchTerms(terms, commentSubject(cm.Headers)) {
			list = append(list, cm)
			people = append(people, cm.SubmitterID)
		}
	}
	if err := c.loadPeople(people); err != nil {
		return err
	}
	keys := c.orderKeys("id", "subject", "date", "submitter")
	sortByKeys(list, keys, func(a, b *store.Comment, key string) int {
		switch key {
		case "id":
			return cmpInt(a.ID, b.ID)
		case "subject":
			return strings.Compare(commentSubject(a.Headers), commentSubject(b.Headers))
		case "date":
			return a.Date.Compare(b.Date)
		case "submitter":
			return cmpInt(a.SubmitterID, b.SubmitterID)
		}
		return 0
	}, func(x *store.Comment) int64 { return x.ID })
	return servePage(c, list, c.commentFull)
}

// commentByPath finds comments/<cid>/ under its parent (404 otherwise).
func (c *call) commentByPath(patchID, coverID int64) (*store.Comment, error) {
	cid, ok := parseID(c.r.PathValue("cid"))
	if !ok {
		return nil, notFound()
	}
	return c.h.store.CommentByNumber(c.ctx, patchID, coverID, cid)
}

func (c *call) patchCommentDetail() error {
	p, err := c.patchByPath()
	if err != nil {
		return err
	}
	cm, err := c.commentByPath(p.ID, 0)
	if err != nil {
		return err
	}
	return c.writeComment(cm)
}

func (c *call) coverCommentDetail() error {
	cv, err := c.coverByPath()
	if err != nil {
		return err
	}
	cm, err := c.commentByPath(0, cv.ID)
	if err != nil {
		return err
	}
	return c.writeComment(cm)
}

func (c *call) writeComment(cm *store.Comment) error {
	o, err := c.commentFull(cm)
	if err != nil {
		return err
	}
	c.ok(o)
	return nil
}

func (c *call) patchCommentUpdate() error {
	p, err := c.patchByPath()
	if err != nil {
		return err
	}
	cm, err := c.commentByPath(p.ID, 0)
	if err != nil {
		return err
	}
	return c.commentUpdate(cm)
}

func (c *call) coverCommentUpdate() error {
	cv, err := c.coverByPath()
	if err != nil {
		return err
	}
	cm, err := c.commentByPath(0, cv.ID)
	if err != nil {
		return err
	}
	return c.commentUpdate(cm)
}

// commentUpdate changes addressed: allowed to the comment's author, the
// parent's author, the patch's delegate and the project's maintainers.
func (c *call) commentUpdate(cm *store.Comment) error {
	if err := c.permit(c.h.svc.MayAddressComment(c.ctx, c.user, cm)); err != nil {
		return err
	}
	b, err := c.readBody()
	if err != nil {
		return err
	}
	if b.has("addressed") {
		var addressed *bool
		if raw := b.raw("addressed"); raw != nil {
			v, ok := parseBool(raw)
			if !ok {
				return fieldError("addressed", "Must be a valid boolean.")
			}
			addressed = &v
		}
		if err := c.h.svc.SetAddressed(c.ctx, c.user, cm, addressed); err != nil {
			return err
		}
	}
	cm, err = c.h.store.GetComment(c.ctx, cm.ID)
	if err != nil {
		return err
	}
	return c.writeComment(cm)
}
