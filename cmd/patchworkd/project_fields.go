package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/patchwork-go/patchwork/store"
)

// projectField is one editable Project field and its flag.
type projectField struct {
	flag  string
	usage string
	str   func(p *store.Project) *string
	boo   func(p *store.Project) *bool
}

// projectFields lists every editable Project field; add and edit share it
// so that a new field is one line here.
var projectFields = []projectField{
	{flag: "linkname", usage: "short name used in URLs (letters, digits, - _ .)", str: func(p *store.Project) *string { return &p.LinkName }},
	{flag: "name", usage: "display name", str: func(p *store.Project) *string { return &p.Name }},
	{flag: "listid", usage: "List-Id of the mailing list, without <>", str: func(p *store.Project) *string { return &p.ListID }},
	{flag: "listemail", usage: "posting address of the mailing list", str: func(p *store.Project) *string { return &p.ListEmail }},
	{flag: "subject-match", usage: "regexp a subject must match to belong to this project (\"\": all)", str: func(p *store.Project) *string { return &p.SubjectMatch }},
	{flag: "web-url", usage: "project home page", str: func(p *store.Project) *string { return &p.WebURL }},
	{flag: "scm-url", usage: "source repository URL", str: func(p *store.Project) *string { return &p.SCMURL }},
	{flag: "webscm-url", usage: "web view of the source repository", str: func(p *store.Project) *string { return &p.WebSCMURL }},
	{flag: "list-archive-url", usage: "mailing list archive", str: func(p *store.Project) *string { return &p.ListArchiveURL }},
	{flag: "list-archive-url-format", usage: "archive URL of a message, {} is the Message-ID", str: func(p *store.Project) *string { return &p.ListArchiveURLFormat }},
	{flag: "commit-url-format", usage: "URL of a commit, {} is the commit ref", str: func(p *store.Project) *string { return &p.CommitURLFormat }},
	{flag: "send-notifications", usage: "mail submitters when their patches change state", boo: func(p *store.Project) *bool { return &p.SendNotifications }},
	{flag: "use-tags", usage: "count Acked-by/Reviewed-by/Tested-by tags", boo: func(p *store.Project) *bool { return &p.UseTags }},
	{flag: "show-dependencies", usage: "show series dependencies", boo: func(p *store.Project) *bool { return &p.ShowDependencies }},
	{flag: "supersede-old-versions", usage: "mark older series versions superseded when a new complete version arrives", boo: func(p *store.Project) *bool { return &p.SupersedeOldVersions }},
	{flag: "hint-senders", usage: "addresses (space-separated) besides the maintainers whose X-Patchwork-State/-Delegate headers are honoured", str: func(p *store.Project) *string { return &p.HintSenders }},
}

// bindProjectFlags declares one flag per field, writing into p.
func bindProjectFlags(cmd *cobra.Command, p *store.Project) {
	f := cmd.Flags()
	for _, pf := range projectFields {
		if pf.str != nil {
			f.StringVar(pf.str(p), pf.flag, *pf.str(p), pf.usage)
		} else {
			f.BoolVar(pf.boo(p), pf.flag, *pf.boo(p), pf.usage)
		}
	}
}

// copyChangedFields copies into dst the fields whose flags were given.
func copyChangedFields(flags *pflag.FlagSet, dst, src *store.Project) int {
	n := 0
	for _, pf := range projectFields {
		if !flags.Changed(pf.flag) {
			continue
		}
		n++
		if pf.str != nil {
			*pf.str(dst) = *pf.str(src)
		} else {
			*pf.boo(dst) = *pf.boo(src)
		}
	}
	return n
}

// projectJSON is a project as the --json forms print it.
type projectJSON struct {
	ID                   int64    `json:"id"`
	LinkName             string   `json:"linkname"`
	Name                 string   `json:"name"`
	ListID               string   `json:"listid"`
	ListEmail            string   `json:"listemail"`
	SubjectMatch         string   `json:"subject_match"`
	WebURL               string   `json:"web_url"`
	SCMURL               string   `json:"scm_url"`
	WebSCMURL            string   `json:"webscm_url"`
	ListArchiveURL       string   `json:"list_archive_url"`
	ListArchiveURLFormat string   `json:"list_archive_url_format"`
	CommitURLFormat      string   `json:"commit_url_format"`
	SendNotifications    bool     `json:"send_notifications"`
	UseTags              bool     `json:"use_tags"`
	ShowDependencies     bool     `json:"show_dependencies"`
	SupersedeOldVersions bool     `json:"supersede_old_versions"`
	HintSenders          string   `json:"hint_senders"`
	Maintainers          []string `json:"maintainers,omitempty"`
}

func toProjectJSON(p *store.Project) projectJSON {
	return projectJSON{
		ID: p.ID, LinkName: p.LinkName, Name: p.Name, ListID: p.ListID, ListEmail: p.ListEmail,
		SubjectMatch: p.SubjectMatch, WebURL: p.WebURL, SCMURL: p.SCMURL, WebSCMURL: p.WebSCMURL,
		ListArchiveURL: p.ListArchiveURL, ListArchiveURLFormat: p.ListArchiveURLFormat,
		CommitURLFormat: p.CommitURLFormat, SendNotifications: p.SendNotifications,
		UseTags: p.UseTags, ShowDependencies: p.ShowDependencies,
		SupersedeOldVersions: p.SupersedeOldVersions, HintSenders: p.HintSenders,
	}
}
