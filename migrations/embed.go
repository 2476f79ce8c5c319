// Package migrations embeds the numbered SQL migrations of each dialect.
// The same version numbers exist in sqlite/, postgres/ and mysql/.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql mysql/*.sql
var files embed.FS

// FS returns the migrations of one dialect: "sqlite", "postgres" or "mysql".
func FS(dialect string) (fs.FS, error) {
	switch dialect {
	case "sqlite", "postgres", "mysql":
		return fs.Sub(files, dialect)
	}
	return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
}
