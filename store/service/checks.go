package service

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// FieldError is a refusal of one input field, in upstream's words (REST
// lists them by field the way Django REST framework does).
type FieldError struct {
	Field, Msg string
}

// FieldErrors are the refusals of one request's fields, every failing
// field at once. It is an ErrInvalid.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = e.Field + ": " + e.Msg
	}
	return strings.Join(parts, "; ")
}

// Unwrap lets errors.Is see ErrInvalid.
func (fe FieldErrors) Unwrap() error { return store.ErrInvalid }

// The check field rules, in upstream's words.
const (
	MsgCheckContext = `Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.`
	MsgCheckURL     = "Enter a valid URL."
)

var slugRE = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)

// NewCheck is a CI result to attach to a patch.
type NewCheck struct {
	State       store.CheckState
	Context     string // "" for "default"
	TargetURL   string
	Description string
	// FreeContext stores any context as given: XML-RPC's check_create
	// (pwclient sends contexts like "ci/build", which upstream stores
	// without validating). REST contexts are slugs.
	FreeContext bool
}

// CheckTargetURL is the target URL rule: empty, or an http(s) or ftp(s)
// URL with a host.
func CheckTargetURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ftp" && u.Scheme != "ftps") || u.Host == "" {
		return &Error{Kind: store.ErrInvalid, Msg: MsgCheckURL}
	}
	return nil
}

// ValidateCheck lists what is wrong with c's fields.
func ValidateCheck(c NewCheck) FieldErrors {
	var fe FieldErrors
	if !c.FreeContext && c.Context != "" && (len(c.Context) > 255 || !slugRE.MatchString(c.Context)) {
		fe = append(fe, FieldError{"context", MsgCheckContext})
	}
	if c.State < store.CheckPending || c.State > store.CheckFail {
		fe = append(fe, FieldError{"state", fmt.Sprintf("%q is not a valid choice.", c.State.String())})
	}
	if CheckTargetURL(c.TargetURL) != nil {
		fe = append(fe, FieldError{"target_url", MsgCheckURL})
	}
	return fe
}

// MayCheck reports whether actor may add checks to p: whoever may change
// it under upstream's rule.
func (s *Service) MayCheck(ctx context.Context, actor *store.User, p *store.Patch) (bool, error) {
	return s.CanEditPatch(ctx, actor, p, UpstreamPolicy)
}

// CreateCheck attaches a check by actor to p, which records check-created.
func (s *Service) CreateCheck(ctx context.Context, actor *store.User, p *store.Patch, in NewCheck) (*store.Check, error) {
	ok, err := s.MayCheck(ctx, actor, p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("check on patch %d: %w", p.ID, store.ErrForbidden)
	}
	if fe := ValidateCheck(in); len(fe) > 0 {
		return nil, fe
	}
	c := &store.Check{
		PatchID: p.ID, UserID: actor.ID, Date: s.clock(), State: in.State,
		TargetURL: in.TargetURL, Context: in.Context, Description: in.Description,
	}
	if c.Context == "" && !in.FreeContext {
		c.Context = "default"
	}
	if err := s.st.CreateCheck(ctx, c); err != nil {
		return nil, fmt.Errorf("create check on patch %d: %w", p.ID, err)
	}
	return c, nil
}
