package common

import (
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
)

// Navigation messages: pages ask the root to open other pages, so pages
// never import each other.
type (
	// OpenProjectMsg opens a project's patch list, on Query ("": the
	// default query).
	OpenProjectMsg struct {
		Project store.Project
		Query   string
	}
	// OpenSeriesListMsg opens a project's list in series mode.
	OpenSeriesListMsg struct{ Project store.Project }
	// OpenPatchMsg opens the patch view.
	OpenPatchMsg struct{ ID int64 }
	// OpenSeriesMsg opens the series view.
	OpenSeriesMsg struct{ ID int64 }
	// OpenBundleMsg opens a bundle's patch list.
	OpenBundleMsg struct{ Bundle store.Bundle }
	// OpenTodoMsg opens the session user's to-do list.
	OpenTodoMsg struct{}
	// OpenBundlesMsg opens the bundle list.
	OpenBundlesMsg struct{}
	// OpenProjectsMsg goes back to the project list.
	OpenProjectsMsg struct{}
	// OpenTextMsg opens a read-only text page (e.g. a diff between versions).
	OpenTextMsg struct {
		Title string
		Lines []string
	}
)

// Send returns a command that delivers msg.
func Send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// SwapMsg replaces the page on top with the page that Open (a navigation
// message) opens: toggling between the patch and series lists must not
// grow the stack.
type SwapMsg struct{ Open tea.Msg }
