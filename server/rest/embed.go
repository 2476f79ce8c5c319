package rest

import (
	"bytes"
	"slices"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// Embedded (summary) objects, spec rest.md §5.

func (c *call) embProject(p *store.Project) rawJSON {
	if o, ok := c.c.embProjects[p.ID]; ok {
		return o
	}
	o := obj{
		{"id", p.ID},
		{"url", c.api("projects/" + itoa(p.ID) + "/")},
		{"name", p.Name},
		{"link_name", p.LinkName},
		{"list_id", p.ListID},
		{"list_email", p.ListEmail},
		{"web_url", p.WebURL},
		{"scm_url", p.SCMURL},
		{"webscm_url", p.WebSCMURL},
	}
	if c.since(2) {
		o = o.add("list_archive_url", p.ListArchiveURL).
			add("list_archive_url_format", p.ListArchiveURLFormat).
			add("commit_url_format", p.CommitURLFormat)
	}
	var b bytes.Buffer
	encode(&b, o)
	c.c.embProjects[p.ID] = b.Bytes()
	return b.Bytes()
}

func (c *call) embPerson(p store.Person) obj {
	return obj{
		{"id", p.ID},
		{"url", c.api("people/" + itoa(p.ID) + "/")},
		{"name", nullStr(p.Name)},
		{"email", p.Email},
	}
}

func (c *call) embUser(u store.User) obj {
	return obj{
		{"id", u.ID},
		{"url", c.api("users/" + itoa(u.ID) + "/")},
		{"username", u.Username},
		{"first_name", u.FirstName},
		{"last_name", u.LastName},
		{"email", u.Email},
	}
}

// submission is what embedded patches and covers have in common.
type submission struct {
	id      int64
	project *store.Project
	msgid   string
	date    time.Time
	name    string
}

func (c *call) patchWebURL(p *store.Project, msgid string) string {
	return c.web("/project/" + escapeSegment(p.LinkName) + "/patch/" + msgidPath(msgid) + "/")
}

func (c *call) coverWebURL(p *store.Project, msgid string) string {
	return c.web("/project/" + escapeSegment(p.LinkName) + "/cover/" + msgidPath(msgid) + "/")
}

func (c *call) embPatch(s submission) obj {
	web := c.patchWebURL(s.project, s.msgid)
	o := obj{{"id", s.id}, {"url", c.api("patches/" + itoa(s.id) + "/")}}
	if c.since(1) {
		o = o.add("web_url", web)
	}
	o = o.add("msgid", s.msgid)
	if c.since(2) {
		o = o.add("list_archive_url", listArchiveURL(s.project.ListArchiveURLFormat, s.msgid))
	}
	return o.add("date", jsonDate(s.date)).add("name", s.name).add("mbox", web+"mbox/")
}

// embPatchRow embeds a list row.
func (c *call) embPatchRow(r store.PatchRow) (obj, error) {
	p, err := c.project(r.ProjectID)
	if err != nil {
		return nil, err
	}
	return c.embPatch(submission{r.ID, p, r.MsgID, r.Date, r.Name}), nil
}

func (c *call) embCover(cv *store.Cover) (obj, error) {
	p, err := c.project(cv.ProjectID)
	if err != nil {
		return nil, err
	}
	web := c.coverWebURL(p, cv.MsgID)
	o := obj{{"id", cv.ID}, {"url", c.api("covers/" + itoa(cv.ID) + "/")}}
	if c.since(1) {
		o = o.add("web_url", web)
	}
	o = o.add("msgid", cv.MsgID)
	if c.since(2) {
		o = o.add("list_archive_url", listArchiveURL(p.ListArchiveURLFormat, cv.MsgID))
	}
	o = o.add("date", jsonDate(cv.Date)).add("name", cv.Name)
	if c.since(1) {
		o = o.add("mbox", web+"mbox/")
	}
	return o, nil
}

func (c *call) seriesWebURL(s *store.Series) (string, error) {
	p, err := c.project(s.ProjectID)
	if err != nil {
		return "", err
	}
	return c.web("/project/" + escapeSegment(p.LinkName) + "/list/?series=" + itoa(s.ID)), nil
}

func (c *call) embSeries(s *store.Series) (obj, error) {
	if o, ok := c.c.embSeries[s.ID]; ok {
		return o, nil
	}
	o := obj{{"id", s.ID}, {"url", c.api("series/" + itoa(s.ID) + "/")}}
	if c.since(1) {
		web, err := c.seriesWebURL(s)
		if err != nil {
			return nil, err
		}
		o = o.add("web_url", web)
	}
	o = o.add("date", jsonDate(s.Date)).
		add("name", nullStr(s.Name)).
		add("version", s.Version).
		add("mbox", c.web("/series/"+itoa(s.ID)+"/mbox/"))
	o = slices.Clip(o) // shared: an append by a caller must copy
	c.c.embSeries[s.ID] = o
	return o, nil
}

// commentURL is a comment's API URL under its parent.
func (c *call) commentURL(cm *store.Comment) string {
	if cm.PatchID != 0 {
		return c.api("patches/" + itoa(cm.PatchID) + "/comments/" + itoa(cm.Number()) + "/")
	}
	return c.api("covers/" + itoa(cm.CoverID) + "/comments/" + itoa(cm.Number()) + "/")
}

func (c *call) embComment(cm *store.Comment) (obj, error) {
	o := obj{{"id", cm.Number()}}
	if c.since(3) {
		o = o.add("url", c.commentURL(cm))
	}
	if c.since(1) {
		o = o.add("web_url", c.web("/comment/"+itoa(cm.Number())+"/"))
	}
	o = o.add("msgid", cm.MsgID)
	if c.since(2) {
		p, err := c.project(cm.ProjectID)
		if err != nil {
			return nil, err
		}
		o = o.add("list_archive_url", listArchiveURL(p.ListArchiveURLFormat, cm.MsgID))
	}
	return o.add("date", jsonDate(cm.Date)), nil
}

func (c *call) checkURL(ch *store.Check) string {
	return c.api("patches/" + itoa(ch.PatchID) + "/checks/" + itoa(ch.ID) + "/")
}

func (c *call) embCheck(ch *store.Check) obj {
	return obj{
		{"id", ch.ID},
		{"url", c.checkURL(ch)},
		{"date", jsonDate(ch.Date)},
		{"state", ch.State.String()},
		{"target_url", givenStr(ch.TargetURL, ch.TargetURLGiven)},
		{"context", ch.Context},
	}
}
