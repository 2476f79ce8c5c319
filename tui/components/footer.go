package components

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/patchwork-go/patchwork/tui/styles"
)

// NewHelp returns a help model drawn with the session's styles.
func NewHelp(st *styles.Styles) help.Model {
	h := help.New()
	h.Styles.ShortKey = st.HelpKey
	h.Styles.ShortDesc = st.HelpDesc
	h.Styles.ShortSeparator = st.HelpSep
	h.Styles.FullKey = st.HelpKey
	h.Styles.FullDesc = st.HelpDesc
	h.Styles.FullSeparator = st.HelpSep
	h.Styles.Ellipsis = st.HelpSep
	return h
}

// Footer renders the one-line key summary of a page.
func Footer(st *styles.Styles, width int, bindings []key.Binding) string {
	h := NewHelp(st)
	h.SetWidth(width)
	// help.ShortHelpView adds every remaining item once even its ellipsis
	// no longer fits, so cut the line ourselves.
	return ansi.Truncate(h.ShortHelpView(bindings), width, "…")
}

// FullHelp renders every group of bindings in columns.
func FullHelp(st *styles.Styles, width int, groups [][]key.Binding) string {
	h := NewHelp(st)
	h.SetWidth(width)
	return h.FullHelpView(groups)
}
