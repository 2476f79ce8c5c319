// Package styles holds every colour and text style of the TUI. Styles are
// built per session (New(isDark)) and kept in that session's Common, never
// in package variables, so two users with different terminals each get
// their own.
package styles

import (
	"image/color"
	"sync"

	"charm.land/lipgloss/v2"
)

// Styles is the complete set of styles one session renders with.
type Styles struct {
	IsDark bool

	Header     lipgloss.Style // top bar
	HeaderUser lipgloss.Style
	HeaderFill lipgloss.Style // the bar between title and user
	Title      lipgloss.Style // page title inside the body
	Muted      lipgloss.Style // secondary text (dates, counts)
	Bold       lipgloss.Style
	Error      lipgloss.Style
	Status     lipgloss.Style // status line messages
	Footer     lipgloss.Style
	HelpKey    lipgloss.Style
	HelpDesc   lipgloss.Style
	HelpSep    lipgloss.Style

	// Lists and tables.
	ColHeader   lipgloss.Style
	Row         lipgloss.Style
	Cursor      lipgloss.Style // the selected row
	Marked      lipgloss.Style // the mark column of a marked row
	ActionState lipgloss.Style // states that need action (New, Under Review)
	DoneState   lipgloss.Style // states that don't
	CheckOK     lipgloss.Style
	CheckWarn   lipgloss.Style
	CheckFail   lipgloss.Style
	CheckPend   lipgloss.Style

	// Patch and series views.
	Label       lipgloss.Style // "From:", "State:"
	Section     lipgloss.Style // "Comments", "Diff" headings
	DiffAdd     lipgloss.Style
	DiffDel     lipgloss.Style
	DiffHunk    lipgloss.Style
	DiffFile    lipgloss.Style
	Quote       lipgloss.Style // "> " lines in mails
	Link        lipgloss.Style
	SearchMatch lipgloss.Style

	// Dialogs (pickers, prompts, confirmations).
	Dialog       lipgloss.Style
	DialogTitle  lipgloss.Style
	DialogCursor lipgloss.Style
}

// The 16 basic ANSI colours keep the TUI readable on any terminal: the
// user's palette decides their exact shade, and nothing needs downsampling.
var (
	black       = lipgloss.Black
	red         = lipgloss.Red
	green       = lipgloss.Green
	yellow      = lipgloss.Yellow
	blue        = lipgloss.Blue
	magenta     = lipgloss.Magenta
	cyan        = lipgloss.Cyan
	brightBlack = lipgloss.BrightBlack
	brightWhite = lipgloss.BrightWhite
)

// Shared returns the process's styles for a dark or light background,
// built once: a session's styles took 24 KiB, and hundreds of sessions
// would each hold the same two. They must not be modified.
func Shared(isDark bool) *Styles {
	if isDark {
		return sharedDark()
	}
	return sharedLight()
}

var (
	sharedDark  = sync.OnceValue(func() *Styles { return New(true) })
	sharedLight = sync.OnceValue(func() *Styles { return New(false) })
)

// New builds the styles for a dark or light background.
func New(isDark bool) *Styles {
	ld := lipgloss.LightDark(isDark)
	fg := ld(black, brightWhite)
	muted := ld(brightBlack, brightBlack)
	accent := ld(blue, cyan)
	var sel, selFg color.Color = ld(blue, blue), brightWhite

	s := &Styles{IsDark: isDark}
	s.Header = lipgloss.NewStyle().Bold(true).Foreground(brightWhite).Background(ld(blue, blue)).Padding(0, 1)
	s.HeaderUser = lipgloss.NewStyle().Foreground(brightWhite).Background(ld(blue, blue)).Padding(0, 1)
	s.HeaderFill = lipgloss.NewStyle().Background(ld(blue, blue))
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Muted = lipgloss.NewStyle().Foreground(muted)
	s.Bold = lipgloss.NewStyle().Bold(true).Foreground(fg)
	s.Error = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.Status = lipgloss.NewStyle().Foreground(ld(magenta, yellow))
	s.Footer = lipgloss.NewStyle().Foreground(muted)
	s.HelpKey = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.HelpDesc = lipgloss.NewStyle().Foreground(muted)
	s.HelpSep = lipgloss.NewStyle().Foreground(muted)

	s.ColHeader = lipgloss.NewStyle().Bold(true).Underline(true).Foreground(fg)
	s.Row = lipgloss.NewStyle()
	s.Cursor = lipgloss.NewStyle().Bold(true).Foreground(selFg).Background(sel)
	s.Marked = lipgloss.NewStyle().Bold(true).Foreground(ld(magenta, magenta))
	s.ActionState = lipgloss.NewStyle().Foreground(ld(yellow, yellow))
	s.DoneState = lipgloss.NewStyle().Foreground(ld(green, green))
	s.CheckOK = lipgloss.NewStyle().Foreground(green)
	s.CheckWarn = lipgloss.NewStyle().Foreground(yellow)
	s.CheckFail = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.CheckPend = lipgloss.NewStyle().Foreground(muted)

	s.Label = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Section = lipgloss.NewStyle().Bold(true).Underline(true).Foreground(ld(magenta, magenta))
	s.DiffAdd = lipgloss.NewStyle().Foreground(green)
	s.DiffDel = lipgloss.NewStyle().Foreground(red)
	s.DiffHunk = lipgloss.NewStyle().Foreground(cyan)
	s.DiffFile = lipgloss.NewStyle().Bold(true).Foreground(fg)
	s.Quote = lipgloss.NewStyle().Foreground(muted)
	s.Link = lipgloss.NewStyle().Underline(true).Foreground(accent)
	s.SearchMatch = lipgloss.NewStyle().Foreground(black).Background(yellow)

	s.Dialog = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)
	s.DialogTitle = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.DialogCursor = lipgloss.NewStyle().Bold(true).Foreground(selFg).Background(sel)
	return s
}
