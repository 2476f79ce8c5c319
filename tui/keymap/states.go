package keymap

import (
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
)

// StateKey sets a patch state in one key.
type StateKey struct {
	Binding key.Binding
	Slug    string // the state it sets
}

// DefaultStateKeys are the single-key states: A accepted, R rejected, C
// changes requested, U under review, N new.
func DefaultStateKeys() map[string]string {
	return map[string]string{"A": "accepted", "R": "rejected", "C": "changes-requested", "U": "under-review", "N": "new"}
}

// WithStates returns the key map with the single-key states keys (key →
// state slug; nil: the defaults, empty: none). A key must be one
// character that no other binding uses.
func (k *KeyMap) WithStates(keys map[string]string) (*KeyMap, error) {
	if keys == nil {
		keys = DefaultStateKeys()
	}
	taken := map[string]string{}
	for _, b := range k.all() {
		for _, kk := range b.Keys() {
			taken[kk] = b.Help().Desc
		}
	}
	out := *k
	out.States = nil
	for _, kk := range slices.Sorted(maps.Keys(keys)) {
		slug := keys[kk]
		if utf8.RuneCountInString(kk) != 1 || kk == " " {
			return nil, fmt.Errorf("state key %q for %q: want a single character", kk, slug)
		}
		if what, ok := taken[kk]; ok {
			return nil, fmt.Errorf("state key %q for %q: the key is taken (%s)", kk, slug, what)
		}
		if slug == "" {
			return nil, fmt.Errorf("state key %q: no state", kk)
		}
		taken[kk] = "state " + slug
		out.States = append(out.States, StateKey{Binding: bind([]string{kk}, kk, "→ "+slug), Slug: slug})
	}
	return &out, nil
}

// StateBindings lists the single-key states (for help).
func (k *KeyMap) StateBindings() []key.Binding {
	out := make([]key.Binding, len(k.States))
	for i, s := range k.States {
		out[i] = s.Binding
	}
	return out
}

// all is every binding but the dialogs' (which own the keys while open).
func (k *KeyMap) all() []key.Binding {
	var out []key.Binding
	for _, g := range [][]key.Binding{k.Movement(), k.Navigation(), k.Actions(), k.BundleKeys(), k.Views(), k.Reading()} {
		out = append(out, g...)
	}
	return out
}
