// Package compose writes the mail a reviewer sends from patchwork: a reply
// to a patch or a cover letter, a one-line trailer (Reviewed-by...), or
// the "applied, thanks" note b4 ty writes. It is pure: the caller hands in
// the mail being answered as patchwork stored it and gets back an RFC 5322
// message and its envelope recipients.
//
// Replies go to everyone, as "reply all" in mutt or git send-email does:
// To the parent's sender (or its Reply-To), Cc its To and Cc and the
// project's list, without the replier. In-Reply-To and References thread
// the reply under its parent, so the list's copy comes back to patchwork
// as a comment on the right patch.
package compose
