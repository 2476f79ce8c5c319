package mailin

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// ErrStop ends ReadArchive early without an error.
var ErrStop = errors.New("stop reading the archive")

// ReadArchive calls fn with every message of an mbox file or a maildir
// (a directory with cur/ and new/), in order: mbox messages as they
// appear, maildir messages by file name. An error from fn stops the walk
// and is returned (ErrStop: nil).
func ReadArchive(path string, fn func(raw []byte) error) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if st.IsDir() {
		err = readMaildir(path, fn)
	} else {
		var f *os.File
		if f, err = os.Open(path); err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		defer f.Close()
		err = ReadMbox(f, fn)
	}
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

// ReadMbox splits an mbox on lines starting with "From " (as Python's
// mailbox module does: no ">From" unquoting, and the blank line before a
// separator belongs to no message). Text before the first separator is
// skipped unless the file has no separator at all (one bare message).
func ReadMbox(r io.Reader, fn func(raw []byte) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var cur []byte
	started := false
	sawAny := false
	var pre []byte
	flush := func() error {
		msg := cur
		if bytes.HasSuffix(msg, []byte("\n\n")) {
			msg = msg[:len(msg)-1]
		} else if bytes.HasSuffix(msg, []byte("\r\n\r\n")) {
			msg = msg[:len(msg)-2]
		}
		cur = nil
		return fn(msg)
	}
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if bytes.HasPrefix(line, []byte("From ")) {
				if started {
					if ferr := flush(); ferr != nil {
						return ferr
					}
				}
				started, sawAny = true, true
			}
			if started {
				cur = append(cur, line...)
			} else {
				pre = append(pre, line...)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read mbox: %w", err)
		}
	}
	if started {
		return flush()
	}
	if !sawAny && len(bytes.TrimSpace(pre)) > 0 {
		return fn(pre)
	}
	return nil
}

func readMaildir(dir string, fn func(raw []byte) error) error {
	var files []string
	for _, sub := range []string{"cur", "new"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("maildir: %w", err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() && e.Name()[0] != '.' {
				files = append(files, filepath.Join(dir, sub, e.Name()))
			}
		}
	}
	if files == nil {
		if _, err := os.Stat(filepath.Join(dir, "cur")); err != nil {
			return fmt.Errorf("maildir %s: no cur/ or new/ directory", dir)
		}
	}
	sort.Slice(files, func(a, b int) bool { return filepath.Base(files[a]) < filepath.Base(files[b]) })
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("maildir: %w", err)
		}
		if err := fn(raw); err != nil {
			return err
		}
	}
	return nil
}
