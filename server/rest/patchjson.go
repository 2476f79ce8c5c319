package rest

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// A list page of 100 patches is most of what the API serves: its objects
// are written straight into the answer's buffer (no obj of interface
// values per field), with the URL prefixes repeated on every row encoded
// once per request. The bytes are those encode gives the spec's objects
// (the golden tests pin them).

// urlPrefixes are JSON-encoded URL prefixes, without the closing quote:
// the ids and escaped path segments appended to them need no escaping.
type urlPrefixes struct {
	patches    string // "…/api[/1.N]/patches/
	people     string // "…/api[/1.N]/people/
	users      string // "…/api[/1.N]/users/
	unversion  string // "…/api/patches/
	series     string // "…/api[/1.N]/series/ (set on first use)
	seriesMbox string // "…/series/
	web        map[int64]string
}

// jsonPrefix is s as a JSON string without its closing quote.
func jsonPrefix(s string) string {
	var b bytes.Buffer
	encodeString(&b, s)
	return b.String()[:b.Len()-1]
}

func (c *call) prefixes() *urlPrefixes {
	if c.c.urls == nil {
		c.c.urls = &urlPrefixes{
			patches:   jsonPrefix(c.api("patches/")),
			people:    jsonPrefix(c.api("people/")),
			users:     jsonPrefix(c.api("users/")),
			unversion: jsonPrefix(c.apiUnversioned("patches/")),
			web:       map[int64]string{},
		}
	}
	return c.c.urls
}

// webPatchPrefix is the JSON-encoded web URL of the project's patches,
// without the Message-ID segment and closing quote.
func (c *call) webPatchPrefix(p *store.Project) string {
	u := c.prefixes()
	if s, ok := u.web[p.ID]; ok {
		return s
	}
	s := jsonPrefix(c.web("/project/" + escapeSegment(p.LinkName) + "/patch/"))
	u.web[p.ID] = s
	return s
}

// writeID writes prefix, the id and suffix (a JSON-safe ASCII tail).
func writeID(b *bytes.Buffer, prefix string, id int64, suffix string) {
	b.WriteString(prefix)
	writeInt(b, id)
	b.WriteString(suffix)
}

func writeInt(b *bytes.Buffer, n int64) {
	var d [20]byte
	b.Write(strconv.AppendInt(d[:0], n, 10))
}

// writeNullStr writes nullStr(s).
func writeNullStr(b *bytes.Buffer, s string) {
	if s == "" {
		b.WriteString("null")
		return
	}
	encodeString(b, s)
}

// writeDate writes jsonDate(t) as a JSON string.
func writeDate(b *bytes.Buffer, t time.Time) {
	var d [40]byte
	t = t.UTC()
	layout := `"2006-01-02T15:04:05"`
	if t.Nanosecond()/1000 != 0 {
		layout = `"2006-01-02T15:04:05.000000"`
	}
	b.Write(t.AppendFormat(d[:0], layout))
}

// writeMsgidPath writes msgidPath(msgid): it is JSON-safe ASCII.
func writeMsgidPath(b *bytes.Buffer, msgid string) {
	const upperHex = "0123456789ABCDEF"
	s := bareMsgID(msgid)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '/': // "%2F", then escaped like the rest: "%252F"
			b.WriteString("%252F")
		case ch < 0x80 && (isAlnum(ch) || segmentSafe[ch]):
			b.WriteByte(ch)
		default:
			b.WriteByte('%')
			b.WriteByte(upperHex[ch>>4])
			b.WriteByte(upperHex[ch&0xf])
		}
	}
}

// segmentSafe marks the punctuation escapeSegment leaves as it is.
var segmentSafe = func() (t [128]bool) {
	for _, ch := range []byte("-._~!$&'()*+,;=:@") {
		t[ch] = true
	}
	return t
}()

// patchRelations fetches the relations of the rows (1.2 on): relation id
// → every member.
func (c *call) patchRelations(rows []store.PatchRow) (map[int64][]store.PatchRow, error) {
	related := map[int64][]store.PatchRow{}
	if !c.since(2) {
		return related, nil
	}
	for _, r := range rows {
		if r.RelatedID == 0 {
			continue
		}
		if _, ok := related[r.RelatedID]; ok {
			continue
		}
		others, err := c.h.store.RelatedPatches(c.ctx, r.ID)
		if err != nil {
			return nil, fmt.Errorf("related patches of %d: %w", r.ID, err)
		}
		related[r.RelatedID] = append(others, r)
	}
	return related, nil
}

// writePatches writes rows as a JSON list of patches (spec §6.4).
func (c *call) writePatches(b *bytes.Buffer, rows []store.PatchRow) error {
	var users []int64
	for _, r := range rows {
		users = append(users, r.DelegateID)
	}
	if err := c.loadUsers(users); err != nil {
		return err
	}
	related, err := c.patchRelations(rows)
	if err != nil {
		return err
	}
	b.WriteByte('[')
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		if err := c.writePatch(b, &rows[i], related[rows[i].RelatedID]); err != nil {
			return err
		}
	}
	b.WriteByte(']')
	return nil
}

// writePatch writes a patch as listed; relation holds every member of the
// patch's relation (it is excluded from its own related list). The users
// (delegates) must be loaded.
func (c *call) writePatch(b *bytes.Buffer, r *store.PatchRow, relation []store.PatchRow) error {
	p, err := c.project(r.ProjectID)
	if err != nil {
		return err
	}
	state, err := c.stateSlug(r.StateID)
	if err != nil {
		return err
	}
	u := c.prefixes()
	web := c.webPatchPrefix(p)
	b.WriteString(`{"id": `)
	writeInt(b, r.ID)
	b.WriteString(`, "url": `)
	writeID(b, u.patches, r.ID, `/"`)
	if c.since(1) {
		b.WriteString(`, "web_url": `)
		b.WriteString(web)
		writeMsgidPath(b, r.MsgID)
		b.WriteString(`/"`)
	}
	b.WriteString(`, "project": `)
	b.Write(c.embProject(p))
	b.WriteString(`, "msgid": `)
	encodeString(b, r.MsgID)
	if c.since(2) {
		b.WriteString(`, "list_archive_url": `)
		encode(b, listArchiveURL(p.ListArchiveURLFormat, r.MsgID))
	}
	b.WriteString(`, "date": `)
	writeDate(b, r.Date)
	b.WriteString(`, "name": `)
	encodeString(b, r.Name)
	b.WriteString(`, "commit_ref": `)
	writeNullStr(b, r.CommitRef)
	b.WriteString(`, "pull_url": `)
	writeNullStr(b, r.PullURL)
	b.WriteString(`, "state": `)
	encodeString(b, state)
	if r.Archived {
		b.WriteString(`, "archived": true, "hash": `)
	} else {
		b.WriteString(`, "archived": false, "hash": `)
	}
	writeNullStr(b, r.Hash)
	b.WriteString(`, "submitter": {"id": `)
	writeInt(b, r.Submitter.ID)
	b.WriteString(`, "url": `)
	writeID(b, u.people, r.Submitter.ID, `/"`)
	b.WriteString(`, "name": `)
	writeNullStr(b, r.Submitter.Name)
	b.WriteString(`, "email": `)
	encodeString(b, r.Submitter.Email)
	b.WriteString(`}, "delegate": `)
	if d, ok := c.c.users[r.DelegateID]; ok && r.DelegateID != 0 {
		b.WriteString(`{"id": `)
		writeInt(b, d.ID)
		b.WriteString(`, "url": `)
		writeID(b, u.users, d.ID, `/"`)
		b.WriteString(`, "username": `)
		encodeString(b, d.Username)
		b.WriteString(`, "first_name": `)
		encodeString(b, d.FirstName)
		b.WriteString(`, "last_name": `)
		encodeString(b, d.LastName)
		b.WriteString(`, "email": `)
		encodeString(b, d.Email)
		b.WriteByte('}')
	} else {
		b.WriteString("null")
	}
	b.WriteString(`, "mbox": `)
	b.WriteString(web)
	writeMsgidPath(b, r.MsgID)
	b.WriteString(`/mbox/", "series": [`)
	if r.SeriesID != 0 {
		so, err := c.embSeriesRaw(r)
		if err != nil {
			return err
		}
		b.Write(so)
	}
	b.WriteByte(']')
	if c.since(1) {
		b.WriteString(`, "comments": `)
		writeID(b, u.unversion, r.ID, `/comments/"`)
	}
	b.WriteString(`, "check": `)
	encodeString(b, r.CheckState.String())
	b.WriteString(`, "checks": `)
	writeID(b, u.unversion, r.ID, `/checks/", "tags": {}`)
	if c.since(2) {
		b.WriteString(`, "related": `)
		rel := []obj{}
		members := append([]store.PatchRow(nil), relation...)
		sort.Slice(members, func(i, j int) bool { return members[i].ID < members[j].ID })
		for _, m := range members {
			if m.ID == r.ID {
				continue
			}
			e, err := c.embPatchRow(m)
			if err != nil {
				return err
			}
			rel = append(rel, e)
		}
		encode(b, rel)
	}
	b.WriteByte('}')
	return nil
}

// embSeriesRaw is the encoded embedded series of a row (embSeries),
// written once per series and request.
func (c *call) embSeriesRaw(r *store.PatchRow) (rawJSON, error) {
	if raw, ok := c.c.embSeriesRaw[r.SeriesID]; ok {
		return raw, nil
	}
	var b bytes.Buffer
	b.Grow(384)
	u := c.prefixes()
	if u.series == "" {
		u.series = jsonPrefix(c.api("series/"))
		u.seriesMbox = jsonPrefix(c.web("/series/"))
	}
	b.WriteString(`{"id": `)
	writeInt(&b, r.SeriesID)
	b.WriteString(`, "url": `)
	writeID(&b, u.series, r.SeriesID, `/"`)
	if c.since(1) {
		p, err := c.project(r.SeriesProjectID)
		if err != nil {
			return nil, err
		}
		b.WriteString(`, "web_url": `)
		encodeString(&b, c.web("/project/"+escapeSegment(p.LinkName)+"/list/?series="+itoa(r.SeriesID)))
	}
	b.WriteString(`, "date": `)
	writeDate(&b, r.SeriesDate)
	b.WriteString(`, "name": `)
	writeNullStr(&b, r.SeriesName)
	b.WriteString(`, "version": `)
	writeInt(&b, int64(r.SeriesVersion))
	b.WriteString(`, "mbox": `)
	writeID(&b, u.seriesMbox, r.SeriesID, `/mbox/"}`)
	c.c.embSeriesRaw[r.SeriesID] = b.Bytes()
	return b.Bytes(), nil
}

// okWrite answers 200 with the JSON build writes into a pooled buffer.
func (c *call) okWrite(build func(b *bytes.Buffer) error) error {
	b := c.h.buffer()
	if err := build(b); err != nil {
		c.h.release(b)
		return err
	}
	c.h.send(c.w, c.r, http.StatusOK, b)
	return nil
}
