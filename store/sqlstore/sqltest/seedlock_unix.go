//go:build unix

package sqltest

import (
	"os"
	"syscall"
)

// lockSeeding serialises the seeding of one benchmark database between
// test processes on this machine (packages' benchmarks run at once): the
// second waits, then finds the data complete. The kernel drops the lock if
// the process dies.
func lockSeeding(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
