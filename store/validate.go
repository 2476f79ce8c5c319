package store

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldError is input refused for one field, with the message upstream
// shows for it (REST puts it under the field's name, XML-RPC in a Fault).
// It wraps ErrInvalid.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// MaxCheckTargetURL is the length of upstream's Check.target_url column
// (Django's URLField default, max_length=200): REST refuses longer values
// and PostgreSQL would refuse them on XML-RPC's path.
const MaxCheckTargetURL = 200

const msgInvalidURL = "Enter a valid URL."

// ValidateCheckTargetURL is the one rule for a check's target URL, used by
// every front end: "" (no URL) or what upstream's Django URLValidator
// accepts, at most MaxCheckTargetURL characters. Upstream applies it on
// REST only; XML-RPC check_create stored anything, including javascript:
// URLs that the web page then links, so we apply it there too.
func ValidateCheckTargetURL(s string) error {
	if s == "" {
		return nil
	}
	if n := utf8.RuneCountInString(s); n > MaxCheckTargetURL {
		return &FieldError{"target_url", fmt.Sprintf("Ensure this field has no more than %d characters.", MaxCheckTargetURL)}
	}
	if !ValidURL(s) {
		return &FieldError{"target_url", msgInvalidURL}
	}
	return nil
}

var checkContextRe = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)

// ValidateCheckContext is REST's rule for a check context (upstream's
// SlugField, max_length=255). XML-RPC does not apply it: upstream stores
// contexts such as "ci/build" given there, and pwclient users send them.
func ValidateCheckContext(s string) error {
	if len(s) > 255 || !checkContextRe.MatchString(s) {
		return &FieldError{"context", `Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.`}
	}
	return nil
}

// urlSchemes are the schemes Django's URLValidator allows by default.
var urlSchemes = map[string]bool{"http": true, "https": true, "ftp": true, "ftps": true}

// ValidURL reports whether Django's URLValidator (4.2, default schemes)
// accepts s. It follows the validator's regular expression step by step,
// since RE2 has no look-around:
//
//	scheme://[user[:pass]@]host[:port][/?#path]
//
// where host is an IPv4 address without leading zeros, a bracketed IPv6
// address, "localhost", or at least two dot-separated labels whose last
// (the TLD) has no digits, so "http://ci/2" is refused. The one
// difference: Django retries a failed host as IDNA (punycode); we do not,
// so a host with characters outside U+00A1–U+FFFF that IDNA would encode is
// refused (the safe direction).
func ValidURL(s string) bool {
	if utf8.RuneCountInString(s) > 2048 || strings.ContainsAny(s, "\t\r\n") || !utf8.ValidString(s) {
		return false
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !urlSchemes[strings.ToLower(scheme)] {
		return false
	}
	// urlsplit's netloc: up to the first '/', '?' or '#'.
	netloc := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		netloc = rest[:i]
	}
	// urlsplit raises "Invalid IPv6 URL" on unbalanced brackets, and on
	// a bracketed host that is no IPv6 address (Python 3.11's
	// _check_bracketed_host); the regular expression itself takes any
	// [hex:.] between brackets.
	if strings.Contains(netloc, "[") != strings.Contains(netloc, "]") {
		return false
	}
	if _, after, ok := strings.Cut(netloc, "["); ok {
		inner, _, _ := strings.Cut(after, "]")
		if a, err := netip.ParseAddr(inner); err != nil || !a.Is6() {
			return false
		}
	}
	if !matchAuthorityAndPath(rest) {
		return false
	}
	host := urlsplitHostname(netloc)
	return host != "" && utf8.RuneCountInString(host) <= 253
}

// matchAuthorityAndPath matches what follows "://" against the rest of
// the regular expression: an optional user:pass@ (which may contain '?'
// and '#', so it is tried both ways, as the regex backtracks), host,
// optional port, optional path without whitespace.
func matchAuthorityAndPath(rest string) bool {
	if matchHostPortPath(rest) {
		return true
	}
	at := strings.IndexByte(rest, '@')
	if at <= 0 {
		return false
	}
	user := rest[:at]
	if strings.ContainsFunc(user, pyIsSpace) || strings.ContainsRune(user, '/') {
		return false
	}
	name, pass, hasPass := strings.Cut(user, ":")
	if name == "" || (hasPass && strings.ContainsRune(pass, ':')) {
		return false
	}
	return matchHostPortPath(rest[at+1:])
}

// matchHostPortPath matches host[:port][[/?#]non-space*] to the end.
func matchHostPortPath(s string) bool {
	hostport, path := s, ""
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		hostport, path = s[:i], s[i:]
	}
	if strings.ContainsFunc(path, pyIsSpace) {
		return false
	}
	host := hostport
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return false
		}
		host = hostport[:end+1]
		if tail := hostport[end+1:]; tail != "" && (tail[0] != ':' || !isPort(tail[1:])) {
			return false
		}
		inner := host[1 : len(host)-1]
		return inner != "" && strings.Trim(strings.ToLower(inner), "0123456789abcdef:.") == ""
	}
	if i := strings.IndexByte(hostport, ':'); i >= 0 {
		host = hostport[:i]
		if !isPort(hostport[i+1:]) {
			return false
		}
	}
	return strings.EqualFold(host, "localhost") || isIPv4(host) || isDomain(host)
}

// isPort is [0-9]{1,5}.
func isPort(s string) bool {
	return len(s) >= 1 && len(s) <= 5 && strings.Trim(s, "0123456789") == ""
}

// isIPv4 is Django's ipv4_re: four octets 0-255 without leading zeros.
func isIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" || (len(p) > 1 && p[0] == '0') {
			return false
		}
		n := 0
		for _, c := range p {
			n = n*10 + int(c-'0')
		}
		if n > 255 {
			return false
		}
	}
	return true
}

// isDomain is hostname_re + domain_re + tld_re: labels of letters
// (ASCII or U+00A1–U+FFFF), digits and inner hyphens, at most 63
// characters, and a last label of two or more letters or hyphens (or an
// xn-- punycode label), with one optional trailing dot.
func isDomain(s string) bool {
	s = strings.TrimSuffix(s, ".")
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for i, l := range labels {
		n := utf8.RuneCountInString(l)
		if n == 0 || n > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		last := i == len(labels)-1
		for _, r := range l {
			switch {
			case r == '-' || isLetter(r):
			case r >= '0' && r <= '9':
				if last && !isPunycodeLabel(l) {
					return false
				}
			default:
				return false
			}
		}
		if last && n < 2 {
			return false
		}
	}
	return true
}

// isPunycodeLabel is xn--[a-z0-9]{1,59}.
func isPunycodeLabel(l string) bool {
	if len(l) < 5 || len(l) > 63 || !strings.EqualFold(l[:4], "xn--") {
		return false
	}
	for _, r := range l[4:] {
		if !(r >= '0' && r <= '9') && !(r >= 'a' && r <= 'z') && !(r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// isLetter is [a-z\u00a1-\uffff] under re.IGNORECASE.
func isLetter(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= 0xa1 && r <= 0xffff)
}

// pyIsSpace is Python's str.isspace, which \s follows: Go's unicode.IsSpace
// plus the information separators U+001C–U+001F.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// urlsplitHostname is urllib's SplitResult.hostname: the netloc after the
// last '@', inside brackets or before the first ':', lower-cased.
func urlsplitHostname(netloc string) string {
	if i := strings.LastIndexByte(netloc, '@'); i >= 0 {
		netloc = netloc[i+1:]
	}
	if strings.Contains(netloc, "[") {
		_, after, _ := strings.Cut(netloc, "[")
		netloc, _, _ = strings.Cut(after, "]")
	} else {
		netloc, _, _ = strings.Cut(netloc, ":")
	}
	return strings.ToLower(netloc)
}

// Bounds of a search text (REST and web q): far above what a person types,
// below what the databases refuse (SQLite: expression trees of 1,000
// nodes, LIKE patterns of 50,000 bytes), so that such a query is the
// client's error (400) and not the server's (500).
const (
	MaxSearchTerms   = 100
	MaxSearchTermLen = 1000
)

// ValidateSearchText checks a search text, split into terms as upstream
// splits it (whitespace and commas).
func ValidateSearchText(s string) error {
	terms := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(terms) > MaxSearchTerms {
		return &FieldError{"q", fmt.Sprintf("Ensure this search has no more than %d terms (it has %d).", MaxSearchTerms, len(terms))}
	}
	for _, t := range terms {
		if n := utf8.RuneCountInString(t); n > MaxSearchTermLen {
			return &FieldError{"q", fmt.Sprintf("Ensure each search term has no more than %d characters (one has %d).", MaxSearchTermLen, n)}
		}
	}
	return nil
}

// DefaultMaxBundlePatches is how many patches one bundle may hold unless
// configured otherwise (max_bundle_patches): a public bundle is served to
// anyone, whole, as REST JSON and one mbox.
const DefaultMaxBundlePatches = 1000

// BundleTooLarge is the refusal of a bundle of n patches over limit.
func BundleTooLarge(limit, n int) error {
	return &FieldError{"patches", fmt.Sprintf("A bundle holds at most %d patches (this would hold %d).", limit, n)}
}

// BundleLimit is how many patches a bundle of s may hold, for front ends
// that refuse an oversized request before looking up its patches (the
// store refuses it anyway).
func BundleLimit(s Store) int {
	if l, ok := s.(interface{ MaxBundlePatches() int }); ok {
		return l.MaxBundlePatches()
	}
	return DefaultMaxBundlePatches
}
