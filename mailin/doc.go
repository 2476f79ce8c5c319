// Package mailin turns list mail into patches, cover letters and comments,
// the way upstream Patchwork's parser does (see spec/parser.md).
//
// Parse is pure: it reads one RFC 5322 message and extracts everything the
// parser needs (names, markers, references, content and diff). Hash computes
// the upstream patch hash of a diff. An Ingester stores parsed mail: it
// matches the project, groups patches into series and records events, all in
// one transaction per mail.
//
// The message structure (headers, MIME tree) is read by a small lenient
// reader that mirrors Python's email.feedparser, because the oracle is what
// upstream's Python parser stores and strict RFC readers reject much of the
// real and fuzzed corpus; charsets are decoded with go-message's charset
// package.
package mailin
