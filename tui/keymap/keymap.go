// Package keymap is the one place that binds keys. Pages look bindings up
// here (key.Matches(msg, k.Down)) and the help screen lists them.
package keymap

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
)

// KeyMap holds every binding of the TUI.
type KeyMap struct {
	// Movement.
	Up, Down, Top, Bottom, HalfDown, HalfUp, PageDown, PageUp key.Binding
	// Navigation.
	Open, Back, Quit, Help, Search, NextMatch, PrevMatch key.Binding
	Todo, Bundles, Projects                              key.Binding
	// Marking and modes.
	Mark, MarkSeries, ClearMarks, SeriesMode key.Binding
	// Actions on patches (the marked ones, else the one under the cursor).
	State, Delegate, Archive, CommitRef, Bundle key.Binding
	// Undo takes back the session's last change.
	Undo key.Binding
	// Bundles.
	Delete, Public key.Binding
	// Patch and series views.
	NextPatch, PrevPatch, OpenSeries, NextVersion, PrevVersion, VersionDiff key.Binding
	// Reading (the pager of the patch, series and text views).
	Wrap, Left, Right, NextFile, PrevFile, NextHunk, PrevHunk, Comments, CopyApply key.Binding
	// Review by mail (patch, series and cover views): r opens the editor,
	// t and a second key send a trailer.
	Reply, Trailer, TrailerReviewed, TrailerAcked, TrailerTested, Send key.Binding
	// Dialogs.
	Confirm, Cancel key.Binding
	// States are the single-key states (WithStates).
	States []StateKey
}

func bind(keys []string, help, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// Default returns the standard bindings: vi and less keys plus arrows,
// and the default single-key states.
func Default() *KeyMap {
	k, err := base().WithStates(nil)
	if err != nil {
		panic("keymap: the default state keys collide: " + err.Error()) // a bug in this file
	}
	return k
}

func base() *KeyMap {
	return &KeyMap{
		Up:       bind([]string{"k", "up"}, "↑/k", "up"),
		Down:     bind([]string{"j", "down"}, "↓/j", "down"),
		Top:      bind([]string{"g", "home"}, "g", "top"),
		Bottom:   bind([]string{"G", "end"}, "G", "bottom"),
		HalfDown: bind([]string{"ctrl+d"}, "ctrl+d", "half page down"),
		HalfUp:   bind([]string{"ctrl+u"}, "ctrl+u", "half page up"),
		PageDown: bind([]string{"pgdown", "ctrl+f"}, "pgdn", "page down"),
		PageUp:   bind([]string{"pgup", "ctrl+b"}, "pgup", "page up"),

		Open:      bind([]string{"enter"}, "enter", "open"),
		Back:      bind([]string{"esc", "q"}, "q/esc", "back"),
		Quit:      bind([]string{"ctrl+c"}, "ctrl+c", "quit"),
		Help:      bind([]string{"?"}, "?", "all keys"),
		Search:    bind([]string{"/"}, "/", "search"),
		NextMatch: bind([]string{"n"}, "n", "next match"),
		PrevMatch: bind([]string{"p"}, "p", "previous match"),
		Todo:      bind([]string{"T"}, "T", "my to-do"),
		Bundles:   bind([]string{"B"}, "B", "bundles"),
		Projects:  bind([]string{"P"}, "P", "projects"),

		Mark:       bind([]string{"space"}, "space", "mark"),
		MarkSeries: bind([]string{"v"}, "v", "mark series"),
		ClearMarks: bind([]string{"x"}, "x", "clear marks"),
		SeriesMode: bind([]string{"t"}, "t", "patches/series"),

		State:     bind([]string{"s"}, "s", "state"),
		Delegate:  bind([]string{"d"}, "d", "delegate"),
		Archive:   bind([]string{"a"}, "a", "archive"),
		CommitRef: bind([]string{"c"}, "c", "commit ref"),
		Bundle:    bind([]string{"b"}, "b", "to bundle"),
		Undo:      bind([]string{"u"}, "u", "undo last change"),

		Delete: bind([]string{"D"}, "D", "delete bundle"),
		Public: bind([]string{"p"}, "p", "public/private"),

		NextPatch:   bind([]string{"]"}, "]", "next in series"),
		PrevPatch:   bind([]string{"["}, "[", "prev in series"),
		OpenSeries:  bind([]string{"S"}, "S", "series"),
		NextVersion: bind([]string{">"}, ">", "newer version"),
		PrevVersion: bind([]string{"<"}, "<", "older version"),
		VersionDiff: bind([]string{"="}, "=", "diff vs previous version"),

		Wrap:            bind([]string{"w"}, "w", "wrap long lines on/off"),
		Left:            bind([]string{"h", "left"}, "h/←", "scroll left (no wrap)"),
		Right:           bind([]string{"l", "right"}, "l/→", "scroll right (no wrap)"),
		NextFile:        bind([]string{"}"}, "}", "next file of the diff"),
		PrevFile:        bind([]string{"{"}, "{", "previous file"),
		NextHunk:        bind([]string{")"}, ")", "next hunk"),
		PrevHunk:        bind([]string{"("}, "(", "previous hunk"),
		Comments:        bind([]string{"m"}, "m", "to the comments"),
		CopyApply:       bind([]string{"y"}, "y", "copy the apply command"),
		Reply:           bind([]string{"r"}, "r", "reply by mail"),
		Trailer:         bind([]string{"t"}, "t r/a/t", "send Reviewed-by/Acked-by/Tested-by"),
		TrailerReviewed: bind([]string{"r"}, "t r", "send Reviewed-by: you"),
		TrailerAcked:    bind([]string{"a"}, "t a", "send Acked-by: you"),
		TrailerTested:   bind([]string{"t"}, "t t", "send Tested-by: you"),
		Send:            bind([]string{"ctrl+s"}, "ctrl+s", "send (editor)"),

		Confirm: bind([]string{"y", "enter"}, "y/enter", "confirm"),
		Cancel:  bind([]string{"n", "esc", "q"}, "n/esc", "cancel"),
	}
}

// Movement lists the movement bindings (for help).
func (k *KeyMap) Movement() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.HalfDown, k.HalfUp, k.PageDown, k.PageUp}
}

// Navigation lists the navigation bindings (for help).
func (k *KeyMap) Navigation() []key.Binding {
	return []key.Binding{k.Open, k.Back, k.Search, k.NextMatch, k.PrevMatch, k.Projects, k.Todo, k.Bundles, k.Help, k.Quit}
}

// Actions lists the patch actions (for help and the footer).
func (k *KeyMap) Actions() []key.Binding {
	return []key.Binding{k.Mark, k.MarkSeries, k.ClearMarks, k.State, k.Delegate, k.Archive, k.CommitRef, k.Bundle, k.Undo, k.SeriesMode}
}

// BundleKeys lists the bundle list's own bindings (for help).
func (k *KeyMap) BundleKeys() []key.Binding { return []key.Binding{k.Delete, k.Public} }

// Views lists the patch and series view bindings (for help).
func (k *KeyMap) Views() []key.Binding {
	return []key.Binding{k.PrevPatch, k.NextPatch, k.OpenSeries, k.PrevVersion, k.NextVersion, k.VersionDiff, k.CopyApply}
}

// Reading lists the pager's bindings (for help).
func (k *KeyMap) Reading() []key.Binding {
	return []key.Binding{k.Wrap, k.Left, k.Right, k.NextFile, k.PrevFile, k.NextHunk, k.PrevHunk, k.Comments}
}

// Review lists the review-by-mail bindings (for help).
func (k *KeyMap) Review() []key.Binding {
	return []key.Binding{k.Reply, k.TrailerReviewed, k.TrailerAcked, k.TrailerTested, k.Send}
}

// writes are the bindings that change something, or only serve to (marks
// choose what an action changes; the to-do list is a user's).
func (k *KeyMap) writes() []*key.Binding {
	return []*key.Binding{&k.Mark, &k.MarkSeries, &k.ClearMarks, &k.State, &k.Delegate, &k.Archive, &k.CommitRef,
		&k.Bundle, &k.Undo, &k.Todo, &k.Delete, &k.Public}
}

// ReadOnly is the key map of a session that may change nothing: the
// bindings that would are disabled, so that neither the footer nor the
// help shows them and no page acts on them (IsWrite tells the root to
// explain why).
func (k *KeyMap) ReadOnly() *KeyMap {
	out := *k
	for _, b := range out.writes() {
		b.SetEnabled(false)
	}
	return &out
}

// IsWrite reports whether msg is the key of a binding that changes
// something, enabled or not.
func (k *KeyMap) IsWrite(msg fmt.Stringer) bool {
	s := msg.String()
	for _, b := range k.writes() {
		if slices.Contains(b.Keys(), s) {
			return true
		}
	}
	return false
}
