package rest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

func (c *call) personFull(p store.Person) (obj, error) {
	u, err := c.userOrNil(p.UserID)
	if err != nil {
		return nil, err
	}
	return c.embPerson(p).add("user", u), nil
}

// personList: people/ (authenticated only). Search over name and e-mail.
func (c *call) personList() error {
	if err := c.requireUser(); err != nil {
		return err
	}
	terms := c.terms()
	q := store.PersonQuery{Order: "id"}
	if len(terms) > 0 {
		q.Text = terms[0]
	}
	people, err := c.h.store.ListPeople(c.ctx, q)
	if err != nil {
		return fmt.Errorf("list people: %w", err)
	}
	list := people[:0]
	for _, p := range people {
		if matchTerms(terms, p.Name, p.Email) {
			list = append(list, p)
		}
	}
	keys := c.orderKeys("id", "name", "email")
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		for _, k := range keys {
			var cmp int
			switch k.name {
			case "id":
				cmp = cmpInt(a.ID, b.ID)
			case "name":
				cmp = strings.Compare(a.Name, b.Name)
			case "email":
				cmp = strings.Compare(a.Email, b.Email)
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
	page, err := paginate(c, list)
	if err != nil {
		return err
	}
	out := make([]obj, 0, len(page))
	for _, p := range page {
		o, err := c.personFull(p)
		if err != nil {
			return err
		}
		out = append(out, o)
	}
	c.ok(out)
	return nil
}

func (c *call) personDetail() error {
	if err := c.requireUser(); err != nil {
		return err
	}
	id, ok := parseID(c.r.PathValue("id"))
	if !ok {
		return notFound()
	}
	p, err := c.h.store.GetPerson(c.ctx, id)
	if err != nil {
		return err
	}
	o, err := c.personFull(*p)
	if err != nil {
		return err
	}
	c.ok(o)
	return nil
}
