//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// raiseOpenFiles raises the process's soft limit of open files to its hard
// limit: every SSH and HTTP connection holds a descriptor, and the usual
// soft limit (1024) is what a few hundred idle clients take. Go's runtime
// does the same at start on some systems; doing it here makes it hold on
// every Unix and reports the figure. It returns the limit now in force.
func raiseOpenFiles() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("open files limit: %w", err)
	}
	if l.Cur >= l.Max {
		return uint64(l.Cur), nil
	}
	want := l
	want.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		return uint64(l.Cur), fmt.Errorf("raise open files limit from %d to %d: %w", l.Cur, l.Max, err)
	}
	return uint64(want.Cur), nil
}
