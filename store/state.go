package store

import "strings"

// Slugify turns a state name into its slug the way upstream does for REST
// input: lower case, runs of non-alphanumerics become one '-'.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// FindState finds a state by id-less name, slug or case-insensitive name.
func FindState(states []State, nameOrSlug string) (State, bool) {
	slug := Slugify(nameOrSlug)
	for _, st := range states {
		if st.Slug == slug || strings.EqualFold(st.Name, nameOrSlug) {
			return st, true
		}
	}
	return State{}, false
}

// StateByID finds a state in a list.
func StateByID(states []State, id int64) (State, bool) {
	for _, st := range states {
		if st.ID == id {
			return st, true
		}
	}
	return State{}, false
}
