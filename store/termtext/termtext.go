// Package termtext makes text from mail safe to print on a terminal. A
// subject, a name or a diff line may carry escape sequences (ESC, CSI,
// OSC, C1 controls) that set the window title, write the clipboard (OSC
// 52) or hide text; every human-readable output of ours passes such text
// through here, where each control character is shown visibly instead, in
// caret notation as cat -v does: ESC is ^[, BEL ^G, DEL ^?, the C1 control
// U+009B is M-^[. Machine-readable outputs (JSON, mbox, raw mail) do not:
// they stay byte-exact.
package termtext

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Line is s made safe for a one-line field (a subject, a name, a table
// cell): a tab becomes a space, every other control character, line
// breaks included, is shown in caret notation.
func Line(s string) string {
	return clean(s, false)
}

// Text is s made safe for multi-line output (a commit message, a diff):
// line feeds and tabs stay, a carriage return stays only before a line
// feed (where it moves nothing), every other control character is shown
// in caret notation.
func Text(s string) string {
	return clean(s, true)
}

// safe reports whether s needs no change: the common case, checked without
// allocating.
func safe(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n' || c == '\t':
			if !multiline {
				return false
			}
		case c < 0x20 || c == 0x7f:
			return false
		case c >= 0x80:
			return false // look closer: C1 controls and bad UTF-8
		}
	}
	return true
}

func clean(s string, multiline bool) string {
	if safe(s, multiline) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError) // a byte that is not UTF-8
		case r == '\t' && !multiline:
			b.WriteByte(' ')
		case (r == '\n' || r == '\t') && multiline:
			b.WriteRune(r)
		case r == '\r' && multiline && i+1 < len(s) && s[i+1] == '\n':
			b.WriteRune(r)
		default:
			writeRune(&b, r)
		}
		i += size
	}
	return b.String()
}

// writeRune writes r, in caret notation when it is a control character.
func writeRune(b *strings.Builder, r rune) {
	switch {
	case r < 0x20:
		b.WriteByte('^')
		b.WriteByte(byte(r) + 0x40)
	case r == 0x7f:
		b.WriteString("^?")
	case r >= 0x80 && r < 0xa0:
		b.WriteString("M-^")
		b.WriteByte(byte(r-0x80) + 0x40)
	default:
		b.WriteRune(r)
	}
}

// Writer passes everything written through Text on its way to W. A UTF-8
// sequence split between two writes is held back until it is whole, so
// that a C1 control cut in two is still caught.
type Writer struct {
	W       io.Writer
	pending []byte
}

// NewWriter returns a Writer onto w.
func NewWriter(w io.Writer) *Writer { return &Writer{W: w} }

// Write cleans p and writes it; it reports len(p) on success, whatever
// the cleaned length.
func (w *Writer) Write(p []byte) (int, error) {
	buf := p
	if len(w.pending) > 0 {
		buf = append(w.pending, p...)
		w.pending = nil
	}
	// Hold back an incomplete sequence at the end (at most 3 bytes).
	cut := len(buf)
	for k := 1; k <= 3 && k <= len(buf); k++ {
		c := buf[len(buf)-k]
		if c < 0x80 {
			break
		}
		if c >= 0xc0 { // a lead byte: is its sequence complete?
			if !utf8.FullRune(buf[len(buf)-k:]) {
				cut = len(buf) - k
			}
			break
		}
	}
	// And a carriage return that a line feed in the next write may make
	// harmless.
	if cut > 0 && buf[cut-1] == '\r' {
		cut--
	}
	if cut < len(buf) {
		w.pending = append([]byte(nil), buf[cut:]...)
	}
	if _, err := io.WriteString(w.W, Text(string(buf[:cut]))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what Write held back, cleaned as it is (the output ended
// without completing it), then flushes W when W buffers.
func (w *Writer) Flush() error {
	if len(w.pending) > 0 {
		p := w.pending
		w.pending = nil
		if _, err := io.WriteString(w.W, Text(string(p))); err != nil {
			return err
		}
	}
	if f, ok := w.W.(interface{ Flush() error }); ok {
		return f.Flush()
	}
	return nil
}

// Raw is the writer under w, for output that must stay byte-exact (JSON,
// mbox): w when it is not a Writer.
func Raw(w io.Writer) io.Writer {
	if tw, ok := w.(*Writer); ok {
		return tw.W
	}
	return w
}
