package rest

import (
	"fmt"
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
	people, err := c.h.svc.People(c.ctx, q)
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
	sortByKeys(list, keys, func(a, b *store.Person, key string) int {
		switch key {
		case "id":
			return cmpInt(a.ID, b.ID)
		case "name":
			return strings.Compare(a.Name, b.Name)
		case "email":
			return strings.Compare(a.Email, b.Email)
		}
		return 0
	}, func(x *store.Person) int64 { return x.ID })
	return servePage(c, list, func(p *store.Person) (obj, error) { return c.personFull(*p) })
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
