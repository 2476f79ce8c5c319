package rest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func TestProjects(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		e.listIDs("/api/1.3/projects/", "", f.proj.ID, f.proj2.ID)
		base := []string{"id", "url", "name", "link_name", "list_id", "list_email", "web_url", "scm_url", "webscm_url", "maintainers"}
		r := e.getRaw("/api/1.0/projects/", "")
		eqKeys(t, "1.0 project", r.body, base...)
		r = e.getRaw("/api/1.1/projects/", "")
		eqKeys(t, "1.1 project", r.body, append(base, "subject_match")...)
		v13 := append(base, "subject_match", "list_archive_url", "list_archive_url_format", "commit_url_format")
		eqKeys(t, "1.3 project", e.getRaw("/api/1.3/projects/", "").body, v13...)
		eqKeys(t, "1.4 project", e.getRaw("/api/1.4/projects/", "").body, append(v13, "show_dependencies")...)
		eqKeys(t, "latest project", e.getRaw("/api/projects/", "").body, append(v13, "show_dependencies")...)

		d := e.getOK("/api/1.4/projects/"+itoa(f.proj.ID)+"/", "")
		want := map[string]any{
			"url": e.url + "/api/1.4/projects/" + itoa(f.proj.ID) + "/", "name": "Test Project", "link_name": "test",
			"list_id": "test.example.com", "list_email": "test@example.com", "web_url": "http://web.example.com",
			"scm_url": "", "webscm_url": "", "list_archive_url": "", "list_archive_url_format": "https://lore.example.com/r/{}",
			"commit_url_format": "", "subject_match": "", "show_dependencies": true,
		}
		for k, v := range want {
			if got := at(t, d, k); got != v {
				t.Errorf("project %s = %#v, want %#v", k, got, v)
			}
		}
		m := list(t, at(t, d, "maintainers"))
		if len(m) != 1 || at(t, m[0], "username") != "maint" || at(t, m[0], "url") != e.url+"/api/1.4/users/"+itoa(f.maint.ID)+"/" {
			t.Errorf("maintainers %v", m)
		}
		eqKeys(t, "maintainer", e.getRaw("/api/1.4/projects/test/", "").body[strings.Index(string(e.getRaw("/api/1.4/projects/test/", "").body), `"maintainers": [`)+len(`"maintainers": [`):],
			"id", "url", "username", "first_name", "last_name", "email")
		// Detail by linkname; the url still uses the id.
		if got := at(t, e.getOK("/api/1.3/projects/test/", ""), "url"); got != e.url+"/api/1.3/projects/"+itoa(f.proj.ID)+"/" {
			t.Errorf("by linkname: url %v", got)
		}
		e.expect(e.get("/api/1.3/projects/TEST/", ""), 404, `{"detail": "Not found."}`)
		e.expect(e.get("/api/1.3/projects/999999/", ""), 404, `{"detail": "Not found."}`)
		// A numeric linkname is found when no project has that id.
		num := &store.Project{LinkName: "4242", Name: "Numeric", ListID: "num.example.com", ListEmail: "num@example.com"}
		must(t, s.CreateProject(ctx, num))
		if got := at(t, e.getOK("/api/1.3/projects/4242/", ""), "id"); got != float64(num.ID) {
			t.Errorf("numeric linkname gave %v", got)
		}

		// Search and order.
		e.listIDs("/api/1.3/projects/?q=other", "", f.proj2.ID)
		e.listIDs("/api/1.3/projects/?q=lore.example", "", f.proj.ID)
		e.listIDs("/api/1.3/projects/?q=test,example", "", f.proj.ID)
		e.listIDs("/api/1.3/projects/?q=nothing", "")
		e.listIDs("/api/1.3/projects/?order=link_name", "", num.ID, f.proj2.ID, f.proj.ID)
		e.listIDs("/api/1.3/projects/?order=-list_id", "", f.proj.ID, f.proj2.ID, num.ID)
		e.listIDs("/api/1.3/projects/?order=-name", "", f.proj.ID, f.proj2.ID, num.ID)
		e.listIDs("/api/1.3/projects/?order=-id&per_page=2", "", num.ID, f.proj2.ID)

		// Updates: maintainers only; read-only fields ignored.
		p := "/api/1.4/projects/" + itoa(f.proj.ID) + "/"
		e.expect(e.form("PATCH", p, "", "web_url=http://x"), 403, `{"detail": "Authentication credentials were not provided."}`)
		e.expect(e.form("PATCH", p, tokenAuth(f.tokSub), "web_url=http://x"), 403, `{"detail": "You do not have permission to perform this action."}`)
		r = e.form("PATCH", p, tokenAuth(f.tokMaint), "web_url=http://new.example.com&name=Renamed&link_name=x&commit_url_format=https://git/{}&show_dependencies=False")
		e.expect(r, 200, "")
		if at(t, r.json(t), "web_url") != "http://new.example.com" || at(t, r.json(t), "name") != "Test Project" ||
			at(t, r.json(t), "show_dependencies") != false || at(t, r.json(t), "commit_url_format") != "https://git/{}" {
			t.Errorf("after update %s", r.body)
		}
		got, err := s.GetProject(ctx, f.proj.ID)
		must(t, err)
		if got.WebURL != "http://new.example.com" || got.Name != "Test Project" || got.LinkName != "test" || got.ShowDependencies {
			t.Errorf("stored project %+v", got)
		}
		// show_dependencies is a 1.4 field: ignored under 1.3.
		e.expect(e.jsonReq("PUT", "/api/1.3/projects/test/", tokenAuth(f.tokMaint), `{"show_dependencies": true, "scm_url": "git://x"}`), 200, "")
		got, err = s.GetProject(ctx, f.proj.ID)
		must(t, err)
		if got.ShowDependencies || got.SCMURL != "git://x" {
			t.Errorf("1.3 PUT stored %+v", got)
		}
		e.expect(e.jsonReq("PATCH", p, tokenAuth(f.tokMaint), `{"show_dependencies": "maybe"}`), 400, `{"show_dependencies": ["Must be a valid boolean."]}`)
		e.expect(e.form("PATCH", "/api/1.4/projects/999999/", tokenAuth(f.tokMaint), "web_url=x"), 404, `{"detail": "Not found."}`)
		e.expect(e.req("DELETE", p, tokenAuth(f.tokMaint), "", ""), 405, `{"detail": "Method \"DELETE\" not allowed."}`)
	})
}

func TestPeopleAndUsers(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		tok := tokenAuth(f.tokStranger)

		// People.
		r := e.getRaw("/api/1.3/people/?project=test", tok)
		eqIDs(t, ids(t, r.json(t)), f.person.ID, f.person2.ID)
		eqKeys(t, "person", r.body, "id", "url", "name", "email", "user")
		pp := list(t, r.json(t))
		if at(t, pp[0], "name") != "Jane Doe" || at(t, pp[0], "user", "username") != "jane" ||
			at(t, pp[1], "name") != nil || at(t, pp[1], "user") != nil || at(t, pp[1], "email") != "bob@example.org" {
			t.Errorf("people %s", r.body)
		}
		e.listIDs("/api/1.3/people/?q=jane", tok, f.person.ID)
		e.listIDs("/api/1.3/people/?q=EXAMPLE.ORG", tok, f.person2.ID)
		e.listIDs("/api/1.3/people/?q=doe,jane", tok, f.person.ID)
		e.listIDs("/api/1.3/people/?q=zzz", tok)
		e.listIDs("/api/1.3/people/?order=email", tok, f.person2.ID, f.person.ID)
		e.listIDs("/api/1.3/people/?order=-id", tok, f.person2.ID, f.person.ID)
		d := e.getOK("/api/1.3/people/"+itoa(f.person.ID)+"/", tok)
		if at(t, d, "email") != "jane@example.com" || at(t, d, "url") != e.url+"/api/1.3/people/"+itoa(f.person.ID)+"/" {
			t.Errorf("person detail %v", d)
		}
		e.expect(e.get("/api/1.3/people/999999/", tok), 404, `{"detail": "Not found."}`)
		e.expect(e.form("PATCH", "/api/1.3/people/"+itoa(f.person.ID)+"/", tok, "name=x"), 405, `{"detail": "Method \"PATCH\" not allowed."}`)

		// Users: list (git-pw appends project=), search, order.
		r = e.getRaw("/api/1.3/users/?project=test", tok)
		eqIDs(t, ids(t, r.json(t)), f.maint.ID, f.sub.ID, f.stranger.ID, f.inactive.ID)
		eqKeys(t, "user", r.body, "id", "url", "username", "first_name", "last_name", "email")
		e.listIDs("/api/1.3/users/?q=jane@example.com", tok, f.sub.ID)
		e.listIDs("/api/1.3/users/?q=Stranger", tok, f.stranger.ID)
		e.listIDs("/api/1.3/users/?q=doe,maint", tok, f.maint.ID)
		e.listIDs("/api/1.3/users/?order=username", tok, f.inactive.ID, f.sub.ID, f.maint.ID, f.stranger.ID)
		e.listIDs("/api/1.3/users/?order=-email", tok, f.stranger.ID, f.maint.ID, f.sub.ID, f.inactive.ID)

		// settings: only for oneself, only from 1.2.
		self := "/api/1.2/users/" + itoa(f.stranger.ID) + "/"
		r = e.getRaw(self, tok)
		eqKeys(t, "own user", r.body, "id", "url", "username", "first_name", "last_name", "email", "settings")
		if at(t, r.json(t), "settings", "items_per_page") != float64(100) || at(t, r.json(t), "settings", "send_email") != false {
			t.Errorf("settings %s", r.body)
		}
		if has(e.getOK("/api/1.2/users/"+itoa(f.maint.ID)+"/", tok), "settings") {
			t.Errorf("settings shown to another user")
		}
		if has(e.getOK("/api/1.1/users/"+itoa(f.stranger.ID)+"/", tok), "settings") {
			t.Errorf("settings under 1.1")
		}
		e.expect(e.get("/api/1.3/users/999999/", tok), 404, `{"detail": "Not found."}`)

		// Update: self only; username/email read-only.
		r = e.jsonReq("PATCH", self, tok, `{"first_name": "Strange", "username": "hacker", "email": "x@y", "settings": {"show_ids": true, "items_per_page": 50, "send_email": "yes"}}`)
		e.expect(r, 200, "")
		if at(t, r.json(t), "first_name") != "Strange" || at(t, r.json(t), "username") != "stranger" || at(t, r.json(t), "settings", "show_ids") != true {
			t.Errorf("after user update %s", r.body)
		}
		u, err := s.GetUser(ctx, f.stranger.ID)
		must(t, err)
		if u.FirstName != "Strange" || u.Username != "stranger" || u.Email != "stranger@example.com" || !u.ShowIDs || u.ItemsPerPage != 50 || !u.SendEmail {
			t.Errorf("stored user %+v", u)
		}
		e.expect(e.form("PATCH", self, tok, "last_name=Person&settings.items_per_page=20"), 200, "")
		u, err = s.GetUser(ctx, f.stranger.ID)
		must(t, err)
		if u.LastName != "Person" || u.ItemsPerPage != 20 {
			t.Errorf("form update stored %+v", u)
		}
		e.expect(e.jsonReq("PATCH", self, tok, `{"settings": {"show_ids": "perhaps"}}`), 400, `{"settings": {"show_ids": ["Must be a valid boolean."]}}`)
		e.expect(e.jsonReq("PATCH", self, tok, `{"settings": {"items_per_page": "lots"}}`), 400, `{"settings": {"items_per_page": ["A valid integer is required."]}}`)
		e.expect(e.form("PATCH", "/api/1.3/users/"+itoa(f.maint.ID)+"/", tok, "first_name=X"), 403, `{"detail": "You do not have permission to perform this action."}`)
		e.expect(e.form("PATCH", self, "", "first_name=X"), 403, `{"detail": "Authentication credentials were not provided."}`)
		e.expect(e.req("POST", "/api/1.3/users/", tok, "", ""), 405, `{"detail": "Method \"POST\" not allowed."}`)
	})
}

func TestCovers(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		id := itoa(f.cover.ID)
		r := e.getRaw("/api/1.3/covers/", "")
		eqIDs(t, ids(t, r.json(t)), f.cover.ID)
		eqKeys(t, "1.3 cover", r.body, "id", "url", "web_url", "project", "msgid", "list_archive_url", "date", "name", "submitter", "mbox", "series", "comments")
		eqKeys(t, "1.0 cover", e.getRaw("/api/1.0/covers/", "").body, "id", "url", "project", "msgid", "date", "name", "submitter", "series")
		c := at(t, r.json(t), 0)
		want := map[string]any{
			"url":              e.url + "/api/1.3/covers/" + id + "/",
			"web_url":          e.url + "/project/test/cover/cover-0@example.com/",
			"mbox":             e.url + "/project/test/cover/cover-0@example.com/mbox/",
			"msgid":            "<cover-0@example.com>",
			"list_archive_url": "https://lore.example.com/r/cover-0@example.com",
			"date":             "2024-03-01T10:00:00",
			"name":             "[v2,0/2] frob widgets",
			"comments":         e.url + "/api/covers/" + id + "/comments/",
		}
		for k, v := range want {
			if got := at(t, c, k); got != v {
				t.Errorf("cover %s = %#v, want %#v", k, got, v)
			}
		}
		if at(t, c, "series", 0, "id") != float64(f.series.ID) || at(t, c, "submitter", "email") != "jane@example.com" {
			t.Errorf("cover %v", c)
		}
		d := e.getRaw("/api/1.3/covers/"+id+"/", "")
		eqKeys(t, "cover detail", d.body, "id", "url", "web_url", "project", "msgid", "list_archive_url", "date", "name", "submitter", "mbox", "series", "comments", "headers", "content")
		if at(t, d.json(t), "content") != "This series frobs." || at(t, d.json(t), "headers", "Subject") != "[PATCH v2 0/2] frob widgets" {
			t.Errorf("cover detail %s", d.body)
		}
		e.expect(e.get("/api/1.3/covers/999999/", ""), 404, `{"detail": "Not found."}`)

		for q, want := range map[string][]int64{
			"project=test":                    {f.cover.ID},
			"project=other":                   nil,
			"project=nope":                    nil,
			"series=" + itoa(f.series.ID):     {f.cover.ID},
			"series=" + itoa(f.series2.ID):    nil,
			"submitter=JANE@example.com":      {f.cover.ID},
			"submitter=" + itoa(f.person2.ID): nil,
			"msgid=cover-0@example.com":       {f.cover.ID},
			"msgid=%3Ccover-0@example.com%3E": {f.cover.ID},
			"msgid=other@example.com":         nil,
			"since=2024-03-01":                {f.cover.ID},
			"since=2024-03-02":                nil,
			"before=2024-03-01T10:00:01":      {f.cover.ID},
			"before=2024-03-01T10:00:00":      nil,
			"q=frob":                          {f.cover.ID},
			"q=frob,zzz":                      nil,
			"order=-name":                     {f.cover.ID},
		} {
			e.listIDs("/api/1.3/covers/?"+q, "", want...)
		}
	})
}

func TestComments(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		pc := "/api/1.3/patches/" + itoa(f.p1.ID) + "/comments/"
		cc := "/api/1.3/covers/" + itoa(f.cover.ID) + "/comments/"
		r := e.getRaw(pc, "")
		eqIDs(t, ids(t, r.json(t)), f.patchComment.ID)
		eqKeys(t, "1.3 comment", r.body, "id", "url", "web_url", "msgid", "list_archive_url", "date", "subject", "submitter", "content", "headers", "addressed")
		eqKeys(t, "1.1 comment", e.getRaw("/api/1.1/patches/"+itoa(f.p1.ID)+"/comments/", "").body,
			"id", "web_url", "msgid", "date", "subject", "submitter", "content", "headers")
		eqKeys(t, "1.2 comment", e.getRaw("/api/1.2/covers/"+itoa(f.cover.ID)+"/comments/", "").body,
			"id", "web_url", "msgid", "list_archive_url", "date", "subject", "submitter", "content", "headers")
		c := at(t, r.json(t), 0)
		want := map[string]any{
			"url":              e.url + pc + itoa(f.patchComment.ID) + "/",
			"web_url":          e.url + "/comment/" + itoa(f.patchComment.ID) + "/",
			"msgid":            "<c1@example.org>",
			"list_archive_url": "https://lore.example.com/r/c1@example.org",
			"date":             "2024-03-02T11:30:00",
			"subject":          "Re: [PATCH v2 1/2] frob: add widget",
			"content":          "Reviewed-by: Bob <bob@example.org>",
			"addressed":        nil,
		}
		for k, v := range want {
			if got := at(t, c, k); got != v {
				t.Errorf("comment %s = %#v, want %#v", k, got, v)
			}
		}
		cl := e.getOK(cc, "")
		if at(t, cl, 0, "addressed") != true || at(t, cl, 0, "url") != e.url+cc+itoa(f.coverComment.ID)+"/" {
			t.Errorf("cover comments %v", cl)
		}
		// Search, order, parents.
		second := &store.Comment{PatchID: f.p1.ID, ProjectID: f.proj.ID, MsgID: "<c3@example.com>", Date: f.date1,
			SubmitterID: f.person.ID, Headers: "Subject: Re: [PATCH v2 1/2] frob: add widget (again)\n", Content: "Thanks."}
		must(t, s.CreateComment(ctx, second))
		e.listIDs(pc, "", f.patchComment.ID, second.ID)
		e.listIDs(pc+"?q=again", "", second.ID)
		e.listIDs(pc+"?q=WIDGET", "", f.patchComment.ID, second.ID)
		e.listIDs(pc+"?q=zzz", "")
		e.listIDs(pc+"?order=date", "", second.ID, f.patchComment.ID)
		e.listIDs(pc+"?order=-subject", "", second.ID, f.patchComment.ID)
		e.listIDs(pc+"?order=submitter", "", second.ID, f.patchComment.ID)
		e.listIDs(pc+"?per_page=1&page=2", "", second.ID)
		e.listIDs("/api/1.3/patches/"+itoa(f.p2.ID)+"/comments/", "")
		e.expect(e.get("/api/1.3/patches/999999/comments/", ""), 404, `{"detail": "Not found."}`)
		e.expect(e.get("/api/1.3/covers/999999/comments/", ""), 404, `{"detail": "Not found."}`)

		// Detail (1.3+): only under its own parent.
		cd := pc + itoa(f.patchComment.ID) + "/"
		e.expect(e.get(cd, ""), 200, "")
		e.expect(e.get("/api/1.3/patches/"+itoa(f.p2.ID)+"/comments/"+itoa(f.patchComment.ID)+"/", ""), 404, `{"detail": "Not found."}`)
		e.expect(e.get("/api/1.3/covers/"+itoa(f.cover.ID)+"/comments/"+itoa(f.patchComment.ID)+"/", ""), 404, `{"detail": "Not found."}`)
		e.expect(e.get("/api/1.3/patches/"+itoa(f.p1.ID)+"/comments/"+itoa(f.coverComment.ID)+"/", ""), 404, `{"detail": "Not found."}`)
		e.expect(e.get(pc+"999999/", ""), 404, `{"detail": "Not found."}`)
		e.expect(e.get(cc+itoa(f.coverComment.ID)+"/", ""), 200, "")

		// addressed: comment author's user, parent author's user (jane),
		// delegate, maintainer; others 403.
		e.expect(e.jsonReq("PATCH", cd, "", `{"addressed": true}`), 403, `{"detail": "Authentication credentials were not provided."}`)
		e.expect(e.jsonReq("PATCH", cd, tokenAuth(f.tokStranger), `{"addressed": true}`), 403, `{"detail": "You do not have permission to perform this action."}`)
		r = e.jsonReq("PATCH", cd, tokenAuth(f.tokSub), `{"addressed": true, "content": "rewritten"}`)
		e.expect(r, 200, "")
		if at(t, r.json(t), "addressed") != true || at(t, r.json(t), "content") != "Reviewed-by: Bob <bob@example.org>" {
			t.Errorf("after addressed %s", r.body)
		}
		e.expect(e.form("PUT", cd, tokenAuth(f.tokMaint), "addressed=False"), 200, "")
		got, err := s.GetComment(ctx, f.patchComment.ID)
		must(t, err)
		if got.Addressed == nil || *got.Addressed {
			t.Errorf("addressed stored %v", got.Addressed)
		}
		r = e.jsonReq("PATCH", cc+itoa(f.coverComment.ID)+"/", tokenAuth(f.tokSub), `{"addressed": null}`)
		e.expect(r, 200, "")
		if at(t, r.json(t), "addressed") != nil {
			t.Errorf("addressed null: %s", r.body)
		}
		e.expect(e.jsonReq("PATCH", cd, tokenAuth(f.tokMaint), `{"addressed": "maybe"}`), 400, `{"addressed": ["Must be a valid boolean."]}`)
		// The patch's delegate may, once the patch is delegated to them.
		must(t, s.AddMaintainer(ctx, f.proj2.ID, f.stranger.ID))
		p4c := &store.Comment{PatchID: f.p4.ID, ProjectID: f.proj2.ID, MsgID: "<c4@example.com>", Date: f.date2, SubmitterID: f.person.ID, Headers: "Subject: Re: x\n"}
		must(t, s.CreateComment(ctx, p4c))
		p4cd := "/api/1.3/patches/" + itoa(f.p4.ID) + "/comments/" + itoa(p4c.ID) + "/"
		e.expect(e.jsonReq("PATCH", p4cd, tokenAuth(f.tokMaint), `{"addressed": true}`), 403, "")
		// jane wrote this comment: her linked user may.
		e.expect(e.jsonReq("PATCH", p4cd, tokenAuth(f.tokSub), `{"addressed": true}`), 200, "")
		// Comment detail does not exist before 1.3; its writes neither.
		e.expect(e.jsonReq("PATCH", "/api/1.2/patches/"+itoa(f.p1.ID)+"/comments/"+itoa(f.patchComment.ID)+"/", tokenAuth(f.tokMaint), `{"addressed": true}`), 404, "")
		e.expect(e.req("DELETE", cd, tokenAuth(f.tokMaint), "", ""), 405, `{"detail": "Method \"DELETE\" not allowed."}`)
		// Toggling addressed records no comment event (fix over upstream).
		evs, err := s.ListEvents(ctx, store.EventQuery{Categories: []string{store.EventPatchCommentCreated, store.EventCoverCommentCreated}})
		must(t, err)
		if len(evs) != 0 {
			t.Errorf("comment events after addressed changes: %+v", evs)
		}
	})
}
