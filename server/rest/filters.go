package rest

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// errEmpty reports that a filter names nothing: the answer is an empty
// list (200, []), never a 400 (spec rest.md §4.2).
var errEmpty = errors.New("filter matches nothing")

// values returns a query key's non-empty values; an empty value means
// "no filter" (git-pw sends project= for all projects).
func (c *call) values(key string) []string {
	var out []string
	for _, v := range c.q[key] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// last is a single-valued parameter: given twice, the last value counts,
// as Django's QueryDict.get answers (url.Values.Get gives the first).
func (c *call) last(key string) string {
	v := c.q[key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

func parseID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 0
}

// idFilter reads an id-only filter (series, event patch/cover/actor...).
// nil means not filtered; a non-decimal value gives errEmpty.
func (c *call) idFilter(key string) ([]int64, error) {
	var ids []int64
	for _, v := range c.values(key) {
		id, ok := parseID(v)
		if !ok {
			return nil, errEmpty
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// projectFilter resolves project ids or linknames (case-insensitive).
func (c *call) projectFilter() ([]int64, error) {
	vals := c.values("project")
	if len(vals) == 0 {
		return nil, nil
	}
	all, err := c.allProjects()
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, v := range vals {
		found := false
		id, isID := parseID(v)
		for _, p := range all {
			if (isID && p.ID == id) || strings.EqualFold(p.LinkName, v) {
				ids = append(ids, p.ID)
				found = true
				break
			}
		}
		if !found {
			return nil, errEmpty
		}
	}
	return ids, nil
}

// personFilter resolves person ids or e-mail addresses (every person with
// that address, case-insensitively).
func (c *call) personFilter(key string) ([]int64, error) {
	var ids []int64
	for _, v := range c.values(key) {
		if id, ok := parseID(v); ok {
			ids = append(ids, id)
			continue
		}
		people, err := c.h.store.ListPeople(c.ctx, store.PersonQuery{Text: v})
		if err != nil {
			return nil, fmt.Errorf("people matching %q: %w", v, err)
		}
		n := len(ids)
		for _, p := range people {
			if strings.EqualFold(p.Email, v) {
				ids = append(ids, p.ID)
			}
		}
		if len(ids) == n {
			return nil, errEmpty
		}
	}
	return ids, nil
}

// userFilter resolves user ids or usernames (case-insensitive).
func (c *call) userFilter(key string) ([]int64, error) {
	var ids []int64
	for _, v := range c.values(key) {
		if id, ok := parseID(v); ok {
			ids = append(ids, id)
			continue
		}
		u, err := c.userByName(v)
		if err != nil {
			return nil, err
		}
		ids = append(ids, u.ID)
	}
	return ids, nil
}

// userByName finds a user by username, case-insensitively; errEmpty when
// there is none.
func (c *call) userByName(name string) (*store.User, error) {
	u, err := c.h.store.GetUserByName(c.ctx, name)
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("user %q: %w", name, err)
	}
	users, err := c.h.store.ListUsers(c.ctx, store.UserQuery{Text: name})
	if err != nil {
		return nil, fmt.Errorf("users matching %q: %w", name, err)
	}
	for i := range users {
		if strings.EqualFold(users[i].Username, name) {
			return &users[i], nil
		}
	}
	return nil, errEmpty
}

// stateFilter resolves state ids, names ("under-review" = "Under Review")
// and slugs.
func (c *call) stateFilter() ([]int64, error) {
	vals := c.values("state")
	if len(vals) == 0 {
		return nil, nil
	}
	states, err := c.states()
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, v := range vals {
		if id, ok := parseID(v); ok {
			if _, ok := store.StateByID(states, id); !ok {
				return nil, errEmpty
			}
			ids = append(ids, id)
			continue
		}
		st, ok := store.FindState(states, strings.ReplaceAll(v, "-", " "))
		if !ok {
			st, ok = store.FindState(states, v)
		}
		if !ok {
			return nil, errEmpty
		}
		ids = append(ids, st.ID)
	}
	return ids, nil
}

// boolFilter reads true/false/1/0 (any case); other values: not applied.
func (c *call) boolFilter(key string) *bool {
	vals := c.values(key)
	if len(vals) == 0 {
		return nil
	}
	var b bool
	switch strings.ToLower(vals[len(vals)-1]) {
	case "true", "1":
		b = true
	case "false", "0":
		b = false
	default:
		return nil
	}
	return &b
}

// dateFilter reads since/before: an ISO 8601 date-time (offsets converted
// to UTC) or a date alone (midnight UTC). Invalid → errEmpty.
func (c *call) dateFilter(key string) (time.Time, error) {
	vals := c.values(key)
	if len(vals) == 0 {
		return time.Time{}, nil
	}
	t, ok := parseDate(vals[len(vals)-1])
	if !ok {
		return time.Time{}, errEmpty
	}
	return t, nil
}

// plusAsSpace matches a UTC offset whose '+' arrived as a space: an
// unencoded '+' in a query string means ' ' (curl users type it).
var plusAsSpace = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?) (\d\d:\d\d)$`)

func parseDate(s string) (time.Time, bool) {
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	s = plusAsSpace.ReplaceAllString(s, "$1+$4")
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// terms splits q on whitespace and commas; every term must match.
func (c *call) terms() []string {
	return strings.FieldsFunc(c.last("q"), func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}

// matchTerms reports whether every term occurs in one of the fields.
func matchTerms(terms []string, fields ...string) bool {
	for _, t := range terms {
		t = strings.ToLower(t)
		found := false
		for _, f := range fields {
			if strings.Contains(strings.ToLower(f), t) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// orderKey is one term of the order parameter.
type orderKey struct {
	name string
	desc bool
}

// orderKeys parses order: comma-separated names, "-" for descending, names
// not in allowed dropped.
func (c *call) orderKeys(allowed ...string) []orderKey {
	var keys []orderKey
	for _, part := range strings.Split(c.last("order"), ",") {
		part = strings.TrimSpace(part)
		desc := strings.HasPrefix(part, "-")
		name := strings.TrimPrefix(part, "-")
		for _, a := range allowed {
			if name == a {
				keys = append(keys, orderKey{name, desc})
				break
			}
		}
	}
	return keys
}

// storeOrder turns the first order key into the "-name" string the store
// queries take ("" when none).
func storeOrder(keys []orderKey) string {
	if len(keys) == 0 {
		return ""
	}
	if keys[0].desc {
		return "-" + keys[0].name
	}
	return keys[0].name
}

// onlyOne returns the single id when all the ids are equal, for store
// queries that take one id; ok is false when they differ.
func onlyOne(ids []int64) (int64, bool) {
	if len(ids) == 0 {
		return 0, true
	}
	for _, id := range ids[1:] {
		if id != ids[0] {
			return 0, false
		}
	}
	return ids[0], true
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
