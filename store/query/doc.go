// Package query is the one patch query language of patchwork-go, shared by
// the TUI's `/` search, `ssh host list QUERY`, and the web and REST `q`
// parameter, so that a query means the same thing everywhere.
//
// A query is a list of terms separated by spaces, all of which must hold:
//
//	word "quoted phrase"     the patch name contains the word or phrase
//	state:new,under-review   the state is one of these (slug or name)
//	from:addr                submitter name or e-mail contains addr
//	delegate:me|none|user    delegated to the session user, nobody, or user
//	series:123               belongs to series 123 (comma list allowed)
//	id:1,2                   patch ids
//	is:archived is:pull is:action-required is:committed
//	has:reviewed-by          the patch carries at least one such tag
//	check:fail               combined check state (pending, success, warning, fail)
//	file:path/glob           the diff touches a matching path ('*', '?')
//	hash:abc  msgid:<id@x>   exact patch hash or Message-ID
//	date:>2026-01-01         >, >=, <, <=, = (default) on the UTC day
//
// A '-' before any term negates it ("-state:accepted", "-wip"). Values may
// be quoted: from:"Jane Doe". Errors name the 1-based column of the
// offending term, e.g. `col 7: unknown state "neww"`.
package query
