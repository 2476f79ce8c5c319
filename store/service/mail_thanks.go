package service

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/compose"
)

// ThanksPolicy is what the project does when u sets Accepted: ThanksNever
// also when u may not send mail at all (then nothing is asked).
func (s *Service) ThanksPolicy(ctx context.Context, u *store.User, projectID int64) (string, error) {
	if err := s.CheckReply(ctx, u, projectID); err != nil {
		var r *mailRefusal
		if errors.As(err, &r) {
			return store.ThanksNever, nil
		}
		return "", err
	}
	rs, err := s.st.GetReplySettings(ctx, projectID)
	if err != nil {
		return "", err
	}
	return rs.Thanks, nil
}

// SendThanks sends "applied, thanks" for the accepted patches ids: one mail
// per series to its cover letter, listing the series' patches among ids
// with their commits, or one per patch when there is no cover. Only
// someone who may change a patch thanks for it.
func (s *Service) SendThanks(ctx context.Context, u *store.User, ids []int64) ([]store.SentMail, error) {
	type group struct {
		t       ReplyTarget
		applied []compose.Applied
	}
	var groups []*group
	bySeries := map[int64]*group{}
	for _, id := range ids {
		p, err := s.st.GetPatch(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("patch %d: %w", id, err)
		}
		ok, err := s.CanEditPatch(ctx, u, p, AdminsToo)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, refuse("only maintainers of its project, its delegate and its submitter thank for patch %d", id)
		}
		proj, err := s.st.GetProject(ctx, p.ProjectID)
		if err != nil {
			return nil, err
		}
		a := compose.Applied{Number: p.Number, Name: bareName(p.Name), CommitRef: p.CommitRef}
		if p.CommitRef != "" && proj.CommitURLFormat != "" {
			a.CommitURL = strings.ReplaceAll(proj.CommitURLFormat, "{}", p.CommitRef)
		}
		var ser *store.Series
		if p.SeriesID != 0 {
			if ser, err = s.st.GetSeries(ctx, p.SeriesID); err != nil {
				return nil, err
			}
			a.Total = ser.Total
		}
		if ser != nil && ser.CoverID != 0 {
			g := bySeries[ser.ID]
			if g == nil {
				g = &group{t: ReplyTarget{CoverID: ser.CoverID}}
				bySeries[ser.ID] = g
				groups = append(groups, g)
			}
			g.applied = append(g.applied, a)
			continue
		}
		groups = append(groups, &group{t: ReplyTarget{PatchID: p.ID}, applied: []compose.Applied{a}})
	}
	var out []store.SentMail
	for _, g := range groups {
		p, _, err := s.mailParent(ctx, g.t)
		if err != nil {
			return out, err
		}
		m, err := s.recordMail(ctx, u, g.t, store.SentThanks, compose.ThanksBody(p, g.applied, mailFrom(u)))
		if err != nil {
			return out, err
		}
		out = append(out, *m)
	}
	return out, nil
}

// prefixRe is the bracketed prefixes of a patch name ("[v2,1/3] ").
var prefixRe = regexp.MustCompile(`^(\s*\[[^\]]*\])+\s*`)

func bareName(name string) string { return prefixRe.ReplaceAllString(name, "") }
