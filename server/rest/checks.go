package rest

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

func (c *call) checkFull(ch *store.Check) (obj, error) {
	u, err := c.userOrNil(ch.UserID)
	if err != nil {
		return nil, err
	}
	return obj{
		{"id", ch.ID},
		{"url", c.checkURL(ch)},
		{"user", u},
		{"date", jsonDate(ch.Date)},
		{"state", ch.State.String()},
		{"target_url", givenStr(ch.TargetURL, ch.TargetURLGiven)},
		{"context", ch.Context},
		{"description", givenStr(ch.Description, ch.DescriptionGiven)},
	}, nil
}

// checkList: patches/<id>/checks/ — every check, not only the newest per
// context.
func (c *call) checkList() error {
	p, err := c.patchByPath()
	if err != nil {
		return err
	}
	q := store.CheckQuery{PatchID: p.ID}
	if q.UserID, err = c.userFilter("user"); err != nil {
		return err
	}
	for _, v := range c.values("state") {
		st, ok := store.ParseCheckState(strings.ToLower(v))
		if !ok {
			return errEmpty
		}
		q.State = append(q.State, st)
	}
	if v := c.values("context"); len(v) > 0 {
		q.Context = v[len(v)-1]
	}
	if q.Since, err = c.dateFilter("since"); err != nil {
		return err
	}
	if q.Before, err = c.dateFilter("before"); err != nil {
		return err
	}
	checks, err := c.h.store.ListChecks(c.ctx, q)
	if err != nil {
		return fmt.Errorf("list checks of %d: %w", p.ID, err)
	}
	if err := c.loadUsersOfChecks(checks); err != nil {
		return err
	}
	keys := c.orderKeys("id", "user", "date", "state", "target_url", "context", "description")
	sort.SliceStable(checks, func(i, j int) bool {
		a, b := checks[i], checks[j]
		for _, k := range keys {
			var cmp int
			switch k.name {
			case "id":
				cmp = cmpInt(a.ID, b.ID)
			case "user":
				cmp = strings.Compare(c.c.users[a.UserID].Username, c.c.users[b.UserID].Username)
			case "date":
				cmp = a.Date.Compare(b.Date)
			case "state":
				cmp = cmpInt(int64(a.State), int64(b.State))
			case "target_url":
				cmp = strings.Compare(a.TargetURL, b.TargetURL)
			case "context":
				cmp = strings.Compare(a.Context, b.Context)
			case "description":
				cmp = strings.Compare(a.Description, b.Description)
			}
			if k.desc {
				cmp = -cmp
			}
			if cmp != 0 {
				return cmp < 0
			}
		}
		return a.ID < b.ID
	})
	page, err := paginate(c, checks)
	if err != nil {
		return err
	}
	out := make([]obj, 0, len(page))
	for i := range page {
		o, err := c.checkFull(&page[i])
		if err != nil {
			return err
		}
		out = append(out, o)
	}
	c.ok(out)
	return nil
}

func (c *call) loadUsersOfChecks(checks []store.Check) error {
	ids := make([]int64, 0, len(checks))
	for _, ch := range checks {
		ids = append(ids, ch.UserID)
	}
	return c.loadUsers(ids)
}

func (c *call) checkDetail() error {
	p, err := c.patchByPath()
	if err != nil {
		return err
	}
	cid, ok := parseID(c.r.PathValue("cid"))
	if !ok {
		return notFound()
	}
	ch, err := c.h.store.GetCheck(c.ctx, cid)
	if err != nil {
		return err
	}
	if ch.PatchID != p.ID {
		return notFound()
	}
	o, err := c.checkFull(ch)
	if err != nil {
		return err
	}
	c.ok(o)
	return nil
}

// checkCreate: POST patches/<id>/checks/ by someone who may edit the patch.
// The check's user is always the requester.
func (c *call) checkCreate() error {
	p, err := c.patchByPath()
	if err != nil {
		return err
	}
	ok, err := c.h.svc.MayCheck(c.ctx, c.user, p)
	if err != nil {
		return err
	}
	if !ok {
		return detail(http.StatusForbidden, msgNoPermission)
	}
	b, err := c.readBody()
	if err != nil {
		return err
	}
	if err := c.stringFields(b, "context", "target_url", "description"); err != nil {
		return err
	}
	var v validation
	in := service.NewCheck{Context: "default"}
	state, present, null := b.strField("state")
	switch {
	case !present || null || state == "":
		v.add("state", "A check must have a state.")
	default:
		st, ok := store.ParseCheckState(state)
		if !ok {
			v.add("state", fmt.Sprintf("%q is not a valid choice.", state))
		}
		in.State = st
	}
	if s, present, null := b.strField("context"); present && !null {
		in.Context = s
	}
	// A field sent as "" reads back as "", one left out or null as null.
	if s, present, null := b.strField("target_url"); present && !null {
		in.TargetURL, in.TargetURLGiven = s, true
	}
	if s, present, null := b.strField("description"); present && !null {
		in.Description, in.DescriptionGiven = s, true
	}
	for _, fe := range service.ValidateCheck(in) {
		v.addErr(fe)
	}
	if err := v.err(); err != nil {
		return err
	}
	ch, err := c.h.svc.CreateCheck(c.ctx, c.user, p, in)
	if err != nil {
		return err
	}
	created, err := c.h.store.GetCheck(c.ctx, ch.ID)
	if err != nil {
		return err
	}
	o, err := c.checkFull(created)
	if err != nil {
		return err
	}
	c.w.Header().Set("Location", c.checkURL(created))
	c.h.writeJSON(c.w, c.r, http.StatusCreated, o)
	return nil
}
