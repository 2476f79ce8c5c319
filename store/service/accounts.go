package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// DefaultSendEmail is the send_email setting of a new account, however it
// is made: off, upstream's default (it lets Patchwork send mail on the
// user's behalf, which they should ask for).
const DefaultSendEmail = false

// DefaultItemsPerPage is the items_per_page setting of a new account.
const DefaultItemsPerPage = 100

// usernameRE is Django's username rule, which upstream accounts follow.
// The length is checked apart: a counted repetition compiles to one copy
// of the class per count, which every process start (parsemail's) pays.
var usernameRE = regexp.MustCompile(`^[\w.@+-]+$`)

// CheckUsername is the one user name rule: up to 150 letters, digits and
// . @ + - _ (Django's), not starting with '-' (it would read as a flag on
// the command lines that take a user name).
func CheckUsername(name string) error {
	if name == "" || len(name) > 150 || !usernameRE.MatchString(name) || name[0] == '-' {
		return invalidf("bad user name %q: up to 150 letters, digits and . @ + - _, not starting with -", name)
	}
	return nil
}

// ParseEmail is the one e-mail rule: a bare address (no display name), at
// most 254 characters. It returns the address as stored.
func ParseEmail(text string) (string, error) {
	text = strings.TrimSpace(text)
	a, err := mail.ParseAddress(text)
	if text == "" || err != nil || a.Name != "" || !strings.Contains(a.Address, "@") || len(a.Address) > 254 {
		return "", invalidf("bad e-mail address %q: give a bare address like alice@example.org", text)
	}
	return a.Address, nil
}

// NewUser is an account to create.
type NewUser struct {
	Username, Email     string
	FirstName, LastName string
	Admin               bool
	Password            string   // "" for none (no XML-RPC or Basic login)
	Keys                []string // SSH public keys in authorized_keys form
}

// CreateUser makes an active account (admins only) with its keys and
// password, and links the people already known by its address to it. It
// creates no person: one appears when the address first sends mail.
// Everything is checked before the first write.
func (s *Service) CreateUser(ctx context.Context, actor *store.User, in NewUser) (*store.User, []store.SSHKey, error) {
	if err := needAdmin(actor); err != nil {
		return nil, nil, err
	}
	if err := CheckUsername(in.Username); err != nil {
		return nil, nil, err
	}
	email, err := ParseEmail(in.Email)
	if err != nil {
		return nil, nil, err
	}
	keys := make([]store.SSHKey, 0, len(in.Keys))
	for _, k := range in.Keys {
		sk, err := ParseKey(k)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, *sk)
	}
	u := newAccount(in.Username, email, s.clock())
	u.FirstName, u.LastName, u.IsAdmin = in.FirstName, in.LastName, in.Admin
	if in.Password != "" {
		if u.PasswordHash, err = HashPassword(in.Password); err != nil {
			return nil, nil, err
		}
	}
	err = s.st.InTx(ctx, func(tx store.Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return conflictf("a user named %q or with e-mail %s already exists", u.Username, u.Email)
			}
			return fmt.Errorf("create user %q: %w", u.Username, err)
		}
		for i := range keys {
			keys[i].UserID, keys[i].Created = u.ID, u.DateJoined
			if err := addKey(ctx, tx, &keys[i]); err != nil {
				return err
			}
		}
		return linkPeople(ctx, tx, u, false)
	})
	if err != nil {
		return nil, nil, err
	}
	return u, keys, nil
}

// newAccount is a new active user with the default settings.
func newAccount(username, email string, now time.Time) *store.User {
	return &store.User{
		Username: username, Email: email, Active: true, DateJoined: now,
		SendEmail: DefaultSendEmail, ItemsPerPage: DefaultItemsPerPage,
	}
}

// linkPeople is the one way people become a user's: the people of its
// address are linked to it; with create, a person is made for the
// address when there is none (registration, as upstream does, and
// maintainers).
func linkPeople(ctx context.Context, tx store.Store, u *store.User, create bool) error {
	if create {
		name := strings.TrimSpace(u.FirstName + " " + u.LastName)
		if _, err := tx.UpsertPerson(ctx, u.Email, name, false); err != nil {
			return fmt.Errorf("person for %s: %w", u.Email, err)
		}
	}
	if err := tx.LinkPerson(ctx, u.Email, u.ID); err != nil {
		return fmt.Errorf("link %s to user %q: %w", u.Email, u.Username, err)
	}
	return nil
}

// User finds a user by name.
func (s *Service) User(ctx context.Context, name string) (*store.User, error) {
	u, err := s.st.GetUserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFoundf("no user named %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("get user %q: %w", name, err)
	}
	return u, nil
}

// Project finds a project by linkname.
func (s *Service) Project(ctx context.Context, linkname string) (*store.Project, error) {
	p, err := s.st.GetProjectByLinkName(ctx, linkname)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFoundf("no project with linkname %q", linkname)
	}
	if err != nil {
		return nil, fmt.Errorf("get project %q: %w", linkname, err)
	}
	return p, nil
}

// ListUsers lists accounts (admins only).
func (s *Service) ListUsers(ctx context.Context, actor *store.User, q store.UserQuery) ([]store.User, error) {
	if err := needAdmin(actor); err != nil {
		return nil, err
	}
	us, err := s.st.ListUsers(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// SetAdmin gives or takes admin rights (admins only; nobody takes their
// own, which could leave the instance without an admin).
func (s *Service) SetAdmin(ctx context.Context, actor *store.User, target *store.User, admin bool) error {
	if err := needAdmin(actor); err != nil {
		return err
	}
	if !admin && target.ID == actor.ID {
		return invalidf("refusing to take away your own admin rights")
	}
	u, err := s.st.GetUser(ctx, target.ID)
	if err != nil {
		return fmt.Errorf("user %q: %w", target.Username, err)
	}
	u.IsAdmin = admin
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("update user %q: %w", u.Username, err)
	}
	target.IsAdmin = admin
	return nil
}

// SetMaintainer makes u a maintainer of p or, with !on, stops it being
// one (admins only). A maintainer gets its person (linked, made if its
// address never sent mail): maintainers are who patches are delegated
// to, and pwclient finds a delegate by the person (list -d NAME sends
// the ids person_list returns).
func (s *Service) SetMaintainer(ctx context.Context, actor *store.User, u *store.User, p *store.Project, on bool) error {
	if err := needAdmin(actor); err != nil {
		return err
	}
	if on {
		err := s.st.InTx(ctx, func(tx store.Store) error {
			if err := tx.AddMaintainer(ctx, p.ID, u.ID); err != nil {
				return err
			}
			return linkPeople(ctx, tx, u, true)
		})
		if err != nil {
			return fmt.Errorf("add %s as maintainer of %s: %w", u.Username, p.LinkName, err)
		}
		return nil
	}
	if err := s.st.RemoveMaintainer(ctx, p.ID, u.ID); err != nil {
		return fmt.Errorf("remove %s as maintainer of %s: %w", u.Username, p.LinkName, err)
	}
	return nil
}

// mayManage lets users manage their own account and admins everyone's.
func mayManage(actor, target *store.User) error {
	if err := needUser(actor); err != nil {
		return err
	}
	if actor.ID != target.ID && !actor.IsAdmin {
		return forbiddenf("permission denied: %s is not an admin", actor.Username)
	}
	return nil
}

// Token makes target's REST API token (the user, or an admin) and returns
// it: only its hash is kept, so it is shown this once (store.IssueToken).
// When one exists and regenerate is not set, the error is
// store.ErrTokenExists; with regenerate the old one stops working.
func (s *Service) Token(ctx context.Context, actor, target *store.User, regenerate bool) (string, error) {
	if err := mayManage(actor, target); err != nil {
		return "", err
	}
	tok, err := store.IssueToken(ctx, s.st, target.ID, regenerate)
	if err != nil {
		return "", fmt.Errorf("token of %q: %w", target.Username, err)
	}
	return tok, nil
}

// NewSecret is 160 random bits in hex (40 characters), for confirmation
// keys.
func NewSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported systems
	return hex.EncodeToString(b)
}

// SetOptOut stops (out) or resumes notification mail to target's address.
func (s *Service) SetOptOut(ctx context.Context, actor, target *store.User, out bool) error {
	if err := mayManage(actor, target); err != nil {
		return err
	}
	if err := s.st.SetOptOut(ctx, target.Email, out); err != nil {
		return fmt.Errorf("opt-out of %s: %w", target.Email, err)
	}
	return nil
}

// UpdateProfile writes target's names and settings as changed by the
// caller; only users themselves may (upstream's rule).
func (s *Service) UpdateProfile(ctx context.Context, actor, target *store.User) error {
	if err := needUser(actor); err != nil {
		return err
	}
	if actor.ID != target.ID {
		return forbiddenf("permission denied: only %s may change their profile", target.Username)
	}
	if len(target.FirstName) > 150 || len(target.LastName) > 150 {
		return invalidf("a name has at most 150 characters")
	}
	// Only the profile's fields are the caller's: the rest of the row is
	// read again, so that a password, address or admin flag changed since
	// the caller read target is not written back.
	err := s.st.InTx(ctx, func(tx store.Store) error {
		cur, err := tx.GetUser(ctx, target.ID)
		if err != nil {
			return err
		}
		cur.FirstName, cur.LastName = target.FirstName, target.LastName
		cur.SendEmail, cur.ItemsPerPage, cur.ShowIDs = target.SendEmail, target.ItemsPerPage, target.ShowIDs
		if err := tx.UpdateUser(ctx, cur); err != nil {
			return err
		}
		*target = *cur
		return nil
	})
	if err != nil {
		return fmt.Errorf("update user %d: %w", target.ID, err)
	}
	return nil
}
