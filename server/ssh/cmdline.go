package ssh

import (
	"strings"
	"unicode"
)

// maxCommandBytes bounds the command line a client may send. Ours are a
// few words; the SSH packet limit alone would allow 256 KiB.
const maxCommandBytes = 8 << 10

// splitCommand splits a command line the way charm.land/ssh's
// Session.Command does (go-shlex, POSIX mode, split on white space), so
// clients see the same arguments, but in linear time: go-shlex grows each
// word by string concatenation, and a 120 KB word cost seconds of CPU.
// Like Command it drops empty words and keeps what it read before an
// unclosed quote or a trailing backslash.
func splitCommand(s string) []string {
	var (
		out     []string
		tok     strings.Builder
		quoted  bool
		state   = ' ' // ' ' between words, 'a' in a word, a quote, or '\\'
		escaped = ' ' // the state a backslash returns to
	)
	isQuote := func(r rune) bool { return r == '\'' || r == '"' }
	emit := func() {
		if tok.Len() > 0 {
			out = append(out, tok.String())
		}
		tok.Reset()
		quoted = false
		state, escaped = ' ', ' '
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(state):
			switch {
			case unicode.IsSpace(r):
				emit()
			case r == '\\':
				escaped, state = 'a', r
			case isQuote(r):
				state = r
			default:
				tok.WriteRune(r)
				state = 'a'
			}
		case isQuote(state):
			quoted = true
			switch {
			case r == state:
				state = 'a'
			case r == '\\' && state == '"':
				escaped, state = state, r
			default:
				tok.WriteRune(r)
			}
		case state == '\\':
			if isQuote(escaped) && r != state && r != escaped {
				tok.WriteRune(state)
			}
			tok.WriteRune(r)
			state = escaped
		default: // in a word
			switch {
			case unicode.IsSpace(r):
				if tok.Len() > 0 || quoted {
					emit()
				}
			case isQuote(r):
				state = r
			case r == '\\':
				escaped, state = 'a', r
			default:
				tok.WriteRune(r)
			}
		}
	}
	if tok.Len() > 0 {
		out = append(out, tok.String())
	}
	return out
}
