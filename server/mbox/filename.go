package mbox

import (
	"strconv"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// Filename applies the filename rule of spec xmlrpc.md §4.7: every maximal run
// of characters outside [-_A-Za-z0-9.] becomes one '-', then leading and
// trailing '-' are removed. Non-ASCII letters count as separators.
func Filename(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	inRun := false
	for _, r := range name {
		if r < 0x80 && allowedFilenameByte(byte(r)) {
			b.WriteRune(r)
			inRun = false
			continue
		}
		if !inRun {
			b.WriteByte('-')
			inRun = true
		}
	}
	return strings.Trim(b.String(), "-")
}

func allowedFilenameByte(c byte) bool {
	return c == '-' || c == '_' || c == '.' ||
		(c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
}

// Disposition is the exact Content-Disposition value for a download named
// filename: no quotes and nothing after the name, because git-pw takes
// everything after "filename=" as the file name.
func Disposition(filename string) string { return "attachment; filename=" + filename }

// PatchDisposition is the Content-Disposition of a patch mbox download.
func PatchDisposition(name string) string { return Disposition(Filename(name) + ".patch") }

// DiffDisposition is the Content-Disposition of a patch raw/ download.
func DiffDisposition(name string) string { return Disposition(Filename(name) + ".diff") }

// CoverDisposition is the Content-Disposition of a cover mbox download.
func CoverDisposition(name string) string { return Disposition(Filename(name) + ".mbox") }

// SeriesFilename is the download name of a series, without extension: the
// filename rule applied to the series name or "Untitled series #<id>".
func SeriesFilename(s store.Series) string { return Filename(s.DisplayName()) }

// SeriesDisposition is the Content-Disposition of a series mbox download.
func SeriesDisposition(s store.Series) string { return Disposition(SeriesFilename(s) + ".patch") }

// BundleFilename is the download name of a bundle, without extension:
// "bundle-<id>-<name>", the name verbatim when it is printable ASCII (as
// upstream) and otherwise passed through the filename rule, because upstream's
// MIME-encoded header cannot be parsed by git-pw.
func BundleFilename(b store.Bundle) string {
	name := b.Name
	if !printableASCII(name) {
		name = Filename(name)
	}
	return "bundle-" + strconv.FormatInt(b.ID, 10) + "-" + name
}

// BundleDisposition is the Content-Disposition of a bundle mbox download.
func BundleDisposition(b store.Bundle) string { return Disposition(BundleFilename(b) + ".mbox") }

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
