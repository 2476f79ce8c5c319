package store

import "context"

// CheckSearch selects checks across patches (XML-RPC check_list, which
// lists every check of the instance, of a project or of a user). Zero
// members do not filter.
type CheckSearch struct {
	ProjectID int64
	PatchID   int64
	UserID    int64
}

// CheckSearcher finds checks across patches.
type CheckSearcher interface {
	// FindChecks returns the matching checks in id order.
	FindChecks(ctx context.Context, q CheckSearch) ([]Check, error)
}
