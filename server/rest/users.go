package rest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// userFull is a user detail: settings only from 1.2 and only for the user
// themself.
func (c *call) userFull(u *store.User) obj {
	o := c.embUser(*u)
	if c.since(2) && c.user != nil && c.user.ID == u.ID {
		o = o.add("settings", obj{
			{"send_email", u.SendEmail},
			{"items_per_page", u.ItemsPerPage},
			{"show_ids", u.ShowIDs},
		})
	}
	return o
}

// userList: users/ (authenticated only).
func (c *call) userList() error {
	if err := c.requireUser(); err != nil {
		return err
	}
	terms := c.terms()
	q := store.UserQuery{Order: "id"}
	if len(terms) > 0 {
		q.Text = terms[0]
	}
	users, err := c.h.store.ListUsers(c.ctx, q)
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	list := users[:0]
	for _, u := range users {
		if matchTerms(terms, u.Username, u.FirstName, u.LastName, u.Email) {
			list = append(list, u)
		}
	}
	keys := c.orderKeys("id", "username", "email")
	sortByKeys(list, keys, func(a, b *store.User, key string) int {
		switch key {
		case "id":
			return cmpInt(a.ID, b.ID)
		case "username":
			return strings.Compare(a.Username, b.Username)
		case "email":
			return strings.Compare(a.Email, b.Email)
		}
		return 0
	}, func(x *store.User) int64 { return x.ID })
	return servePage(c, list, func(u *store.User) (obj, error) { return c.embUser(*u), nil })
}

func (c *call) userByPath() (*store.User, error) {
	id, ok := parseID(c.r.PathValue("id"))
	if !ok {
		return nil, notFound()
	}
	return c.h.store.GetUser(c.ctx, id)
}

func (c *call) userDetail() error {
	if err := c.requireUser(); err != nil {
		return err
	}
	u, err := c.userByPath()
	if err != nil {
		return err
	}
	c.ok(c.userFull(u))
	return nil
}

// userUpdate: a user may change their own first/last name and settings.
func (c *call) userUpdate() error {
	if err := c.requireUser(); err != nil {
		return err
	}
	u, err := c.userByPath()
	if err != nil {
		return err
	}
	if u.ID != c.user.ID {
		return c.forbidden()
	}
	b, err := c.readBody()
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"first_name", &u.FirstName}, {"last_name", &u.LastName}} {
		if err := c.stringFields(b, f.name); err != nil {
			return err
		}
		if s, present, null := b.strField(f.name); present {
			if null {
				return fieldError(f.name, "This field may not be null.")
			}
			if len(s) > 150 {
				return fieldError(f.name, "Ensure this field has no more than 150 characters.")
			}
			*f.dst = s
		}
	}
	if c.since(2) && (b.has("settings") || b.hasPrefix("settings.")) {
		if err := applySettings(b, u); err != nil {
			return err
		}
	}
	if err := c.h.svc.UpdateProfile(c.ctx, c.user, u); err != nil {
		return err
	}
	c.user = u
	c.ok(c.userFull(u))
	return nil
}

// applySettings reads the nested settings object (JSON) or the
// settings.<name> form fields.
func applySettings(b *body, u *store.User) error {
	get := func(k string) (any, bool) {
		if b.json != nil {
			m, ok := b.json["settings"].(map[string]any)
			if !ok {
				return nil, false
			}
			v, ok := m[k]
			return v, ok
		}
		v, ok := b.form["settings."+k]
		if !ok || len(v) == 0 {
			return nil, false
		}
		return v[len(v)-1], true
	}
	for _, k := range []string{"send_email", "show_ids"} {
		v, ok := get(k)
		if !ok {
			continue
		}
		bv, ok := parseBool(v)
		if !ok {
			return &apiError{status: 400, body: obj{{"settings", obj{{k, []string{"Must be a valid boolean."}}}}}}
		}
		if k == "send_email" {
			u.SendEmail = bv
		} else {
			u.ShowIDs = bv
		}
	}
	if v, ok := get("items_per_page"); ok {
		n, ok := pk(v)
		if _, isNum := v.(json.Number); !ok || (!isNum && strings.TrimSpace(fmt.Sprint(v)) == "") || n < 0 {
			return &apiError{status: 400, body: obj{{"settings", obj{{"items_per_page", []string{"A valid integer is required."}}}}}}
		}
		u.ItemsPerPage = int(n)
	}
	return nil
}
