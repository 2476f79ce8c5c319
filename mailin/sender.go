package mailin

import (
	"errors"
	"regexp"
	"strings"
)

// ErrInvalidFrom is the rejection of a mail whose sender is not an address
// (upstream's wording, which failed-mail reasons show).
//
//lint:ignore ST1005 upstream's message, capital included
var ErrInvalidFrom = errors.New("Invalid 'From' header")

var (
	fromAngle = regexp.MustCompile(`^"?(.*?)"?\s*<([^>]+)>`)
	fromAt    = regexp.MustCompile(`^(.*?)\sat\s(.*?)\s*\(([^\)]+)\)`)
	fromParen = regexp.MustCompile(`^"?(.*?)"?\s*\(([^\)]+)\)`)
	// Local part: the spec's atom characters plus '[' and ']', which bot
	// addresses use (49699333+dependabot[bot]@users.noreply.github.com)
	// and upstream stores (libuv-2000.mbox: every mail parses upstream).
	validAddrRe = regexp.MustCompile("^[\\p{L}\\p{N}_!#$%&\"*+/=?^`{|}~'\\[\\]-]+(?:\\.[\\p{L}\\p{N}_!#$%&\"*+/=?^`{|}~'\\[\\]-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
)

// splitAddress splits a cleaned From-like value into a name (hasName false
// for "no name at all") and an address, with upstream's four forms (§9).
func splitAddress(v string) (name string, hasName bool, addr string) {
	if m := fromAngle.FindStringSubmatch(v); m != nil {
		name, hasName, addr = m[1], true, m[2]
	} else if m := fromAt.FindStringSubmatch(v); m != nil {
		name, hasName, addr = m[3], true, m[1]+"@"+m[2]
	} else if m := fromParen.FindStringSubmatch(v); m != nil {
		name, hasName, addr = m[2], true, m[1]
	} else {
		addr = v
	}
	addr = cut255(pyStrip(addr))
	if hasName {
		name = cut255(pyStrip(name))
	}
	return name, hasName, addr
}

func validAddress(a string) bool { return a != "" && validAddrRe.MatchString(a) }

// Sender is the parsed author of a mail.
type Sender struct {
	Name    string
	HasName bool // false when the From had no name part at all
	Email   string
}

// sender parses From (already cleaned) and undoes DMARC munging when the
// address is the project's list address (spec §9).
func (m *Mail) sender(listEmail string) (Sender, error) {
	if m.From == "" {
		return Sender{}, ErrInvalidFrom
	}
	name, hasName, addr := splitAddress(m.From)
	if addr == "" || !validAddress(addr) {
		return Sender{}, ErrInvalidFrom
	}
	s := Sender{Name: name, HasName: hasName, Email: addr}
	if listEmail == "" || !strings.EqualFold(addr, listEmail) || !hasName {
		return s, nil
	}
	stripped, hasStripped := stripVia(name)
	if v, ok := m.header("X-Original-From"); ok {
		if _, _, oa := splitAddress(v); validAddress(oa) {
			return Sender{Name: stripped, HasName: hasStripped, Email: oa}, nil
		}
	}
	for _, h := range []string{"Reply-To", "Cc"} {
		for _, raw := range m.root.getAll(h) {
			v, ok := clean(raw)
			if !ok {
				continue
			}
			for _, part := range strings.Split(v, ",") {
				pn, ph, pa := splitAddress(pyStrip(part))
				if !validAddress(pa) {
					continue
				}
				if (hasStripped && ph && pn == stripped) || (!hasStripped && !ph) {
					return Sender{Name: stripped, HasName: hasStripped, Email: pa}, nil
				}
			}
		}
	}
	return s, nil
}

// stripVia removes a "... via LIST" suffix from a munged display name.
func stripVia(name string) (string, bool) {
	var n string
	if i := strings.LastIndex(name, " via "); i >= 0 {
		n = name[:i]
	} else if strings.HasSuffix(name, " via") {
		n = strings.TrimSuffix(name, " via")
	} else {
		return "", false
	}
	n = pyStrip(n)
	n = strings.TrimPrefix(strings.TrimSuffix(n, "'"), "'")
	return n, true
}
