package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// autocompleteMin is the shortest text that is searched (upstream).
const autocompleteMin = 3

func autocompleteArgs(r *http.Request) (string, int, bool) {
	q := r.URL.Query()
	text := q.Get("q")
	limit, _ := strconv.Atoi(q.Get("l"))
	if limit < 0 {
		limit = 0
	}
	return text, limit, len([]rune(text)) >= autocompleteMin
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// submitterComplete serves /submitter/?q=TEXT[&l=N] (spec web.md §7).
func (h *handler) submitterComplete(w http.ResponseWriter, r *http.Request) {
	text, limit, ok := autocompleteArgs(r)
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		return
	}
	people, err := h.store.ListPeople(r.Context(), store.PersonQuery{Text: text, Limit: limit, Order: "id"})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	type item struct {
		PK    int64   `json:"pk"`
		Name  *string `json:"name"`
		Email string  `json:"email"`
	}
	out := make([]item, 0, len(people))
	for _, p := range people {
		it := item{PK: p.ID, Email: p.Email}
		if p.Name != "" {
			name := p.Name
			it.Name = &name
		}
		out = append(out, it)
	}
	writeJSON(w, out)
}

// delegateComplete serves /delegate/?q=TEXT[&l=N]: users whose username,
// first or last name contains TEXT.
func (h *handler) delegateComplete(w http.ResponseWriter, r *http.Request) {
	text, limit, ok := autocompleteArgs(r)
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		return
	}
	users, err := h.store.ListUsers(r.Context(), store.UserQuery{Text: text, Order: "id"})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	type item struct {
		PK   int64  `json:"pk"`
		Name string `json:"name"`
	}
	lt := strings.ToLower(text)
	out := []item{}
	for _, u := range users {
		if !strings.Contains(strings.ToLower(u.Username), lt) && !strings.Contains(strings.ToLower(u.FirstName), lt) &&
			!strings.Contains(strings.ToLower(u.LastName), lt) {
			continue // matched on e-mail only
		}
		out = append(out, item{PK: u.ID, Name: u.Username})
		if limit > 0 && len(out) == limit {
			break
		}
	}
	writeJSON(w, out)
}
