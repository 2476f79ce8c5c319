package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// Sender is what the notifier needs of a Mailer (an interface so that a
// deployment without SMTP can still expire registrations).
type Sender interface {
	Send(ctx context.Context, to []string, subject, body string) error
}

// Cron is one run of `patchworkd cron`.
type Cron struct {
	Store   store.Store
	Sender  Sender // nil: notifications stay queued
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
	// Delay is how old a change must be before it is mailed, so that a
	// maintainer's quick corrections go out as one mail.
	Delay time.Duration
	// ConfirmationValidity is how long a confirmation link stays valid.
	ConfirmationValidity time.Duration
}

// Report says what one run did.
type Report struct {
	Mailed        int `json:"mailed"`        // mails sent
	Patches       int `json:"patches"`       // patch changes covered by them
	OptedOut      int `json:"opted_out"`     // changes dropped because the submitter opted out
	Failed        int `json:"failed"`        // submitters whose mail failed (their changes stay queued)
	Confirmations int `json:"confirmations"` // expired confirmations
	Registrations int `json:"registrations"` // expired never-activated users
}

// Run sends due notifications and expires stale confirmations (held
// replies are mailin's: ExpireHeld).
//
// Delivery is at-least-once: a batch is deleted from the queue only after
// the SMTP server accepted its mail, so a crash between the two re-sends
// that batch on the next run rather than losing it. Changes made after the
// queue was read are kept (DeleteNotifications compares last_modified).
func (c *Cron) Run(ctx context.Context) (Report, error) {
	var rep Report
	now := c.now()
	if c.Sender != nil {
		if err := c.notify(ctx, now, &rep); err != nil {
			return rep, err
		}
	}
	validity := c.ConfirmationValidity
	if validity == 0 {
		validity = 7 * 24 * time.Hour
	}
	n, err := c.Store.ExpireConfirmations(ctx, now.Add(-validity))
	if err != nil {
		return rep, fmt.Errorf("expire confirmations: %w", err)
	}
	rep.Confirmations = n
	if n, err = c.Store.ExpireInactiveUsers(ctx, now.Add(-validity)); err != nil {
		return rep, fmt.Errorf("expire registrations: %w", err)
	}
	rep.Registrations = n
	return rep, nil
}

func (c *Cron) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

func (c *Cron) log() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

// change is one queued notification with what the mail needs.
type change struct {
	n       store.Notification
	patch   *store.Patch
	project *store.Project
	was     string
	now     string
}

func (c *Cron) notify(ctx context.Context, now time.Time, rep *Report) error {
	pending, err := c.Store.PendingNotifications(ctx, now.Add(-c.Delay))
	if err != nil {
		return fmt.Errorf("read notification queue: %w", err)
	}
	if len(pending) == 0 {
		return nil
	}
	states, err := c.Store.ListStates(ctx)
	if err != nil {
		return fmt.Errorf("list states: %w", err)
	}
	byEmail := map[string][]change{}
	submitters := map[string]store.Person{}
	var stale []store.Notification
	for _, n := range pending {
		p, err := c.Store.GetPatch(ctx, n.PatchID)
		if errors.Is(err, store.ErrNotFound) {
			stale = append(stale, n)
			continue
		}
		if err != nil {
			return fmt.Errorf("notification for patch %d: %w", n.PatchID, err)
		}
		proj, err := c.Store.GetProject(ctx, p.ProjectID)
		if err != nil {
			return fmt.Errorf("project of patch %d: %w", p.ID, err)
		}
		was, _ := store.StateByID(states, n.OrigStateID)
		cur, _ := store.StateByID(states, p.StateID)
		if !proj.SendNotifications || was.ID == cur.ID {
			// Changed back before the mail went: nothing to tell.
			stale = append(stale, n)
			continue
		}
		sub, err := c.Store.GetPerson(ctx, p.SubmitterID)
		if err != nil {
			return fmt.Errorf("submitter of patch %d: %w", p.ID, err)
		}
		key := strings.ToLower(sub.Email)
		submitters[key] = *sub
		byEmail[key] = append(byEmail[key], change{n: n, patch: p, project: proj, was: was.Name, now: cur.Name})
	}
	if len(stale) > 0 {
		if err := c.Store.DeleteNotifications(ctx, stale); err != nil {
			return fmt.Errorf("drop stale notifications: %w", err)
		}
	}
	emails := make([]string, 0, len(byEmail))
	for e := range byEmail {
		emails = append(emails, e)
	}
	sort.Strings(emails)
	for _, e := range emails {
		changes := byEmail[e]
		sent := make([]store.Notification, len(changes))
		for i, ch := range changes {
			sent[i] = ch.n
		}
		out, err := c.Store.IsOptedOut(ctx, e)
		if err != nil {
			return fmt.Errorf("opt-out of %s: %w", e, err)
		}
		if out {
			rep.OptedOut += len(changes)
		} else {
			sub := submitters[e]
			subject, body := c.compose(sub, changes)
			if err := c.Sender.Send(ctx, []string{sub.Email}, subject, body); err != nil {
				// Keep the batch queued; the next run tries again.
				c.log().Error("notification mail failed", "to", sub.Email, "err", err)
				rep.Failed++
				continue
			}
			rep.Mailed++
			rep.Patches += len(changes)
		}
		if err := c.Store.DeleteNotifications(ctx, sent); err != nil {
			return fmt.Errorf("dequeue notifications of %s: %w", e, err)
		}
	}
	return nil
}

func (c *Cron) compose(to store.Person, changes []change) (string, string) {
	sort.Slice(changes, func(i, j int) bool { return changes[i].patch.ID < changes[j].patch.ID })
	var b strings.Builder
	name := to.Name
	if name == "" {
		name = to.Email
	}
	fmt.Fprintf(&b, "Hello %s,\n\n", name)
	if len(changes) == 1 {
		b.WriteString("The following patch (submitted by you) has been updated in Patchwork:\n\n")
	} else {
		b.WriteString("The following patches (submitted by you) have been updated in Patchwork:\n\n")
	}
	for _, ch := range changes {
		fmt.Fprintf(&b, " * %s: %s\n", ch.project.LinkName, ch.patch.Name)
		fmt.Fprintf(&b, "     - %s/patch/%d/\n", strings.TrimRight(c.BaseURL, "/"), ch.patch.ID)
		fmt.Fprintf(&b, "    was: %s\n", ch.was)
		fmt.Fprintf(&b, "    now: %s\n", ch.now)
		if ch.patch.CommitRef != "" {
			fmt.Fprintf(&b, "    commit: %s\n", ch.patch.CommitRef)
		}
		b.WriteString("\n")
	}
	b.WriteString("This email is a notification only - you do not need to respond.\n\n")
	b.WriteString("To stop these notifications, run `ssh <patchwork host> optout`.\n\nHappy patchworking.\n")
	subject := fmt.Sprintf("Patch update notification: %d patch", len(changes))
	if len(changes) != 1 {
		subject += "es"
	}
	return subject + " updated", b.String()
}
