//go:build unix

package sqlstore

import (
	"os"
	"syscall"
)

// flock blocks until f is exclusively locked; closing f releases it, and
// so does the kernel when the process dies.
func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}
