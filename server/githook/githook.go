// Package githook is the git post-receive hook: for every commit pushed to
// a mapped branch it finds the patch that became it (by the parser's patch
// hash, then by `git patch-id --stable` against open patches) and sets its
// state and commit ref through the REST API, as a maintainer would.
package githook

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/store"
)

// Options configures one run of the hook.
type Options struct {
	Server        string // base URL of the patchwork HTTP server
	Project       string // linkname
	Token         string // REST API token of a project maintainer
	StateMap      string // "refs/heads/main=Accepted,refs/heads/next=Under Review"
	Repo          string // git directory (default: the current one, as git runs hooks)
	DryRun        bool
	FallbackLimit int // candidates checked by git patch-id when the hash misses
	// HTTP is the client for the REST calls (default: one with a 30 s
	// timeout).
	HTTP *http.Client
}

// ParseStateMap reads REF=STATE pairs, comma separated, into state slugs
// by ref.
func ParseStateMap(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		ref, state, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(ref) == "" || strings.TrimSpace(state) == "" {
			return nil, fmt.Errorf("state map: %q is not REF=STATE", pair)
		}
		m[strings.TrimSpace(ref)] = store.Slugify(state)
	}
	if len(m) == 0 {
		return nil, errors.New("state map is empty")
	}
	return m, nil
}

const zeroRev = "0000000000000000000000000000000000000000"

// Run reads git's ref updates ("OLD NEW REF" lines) from in and updates the
// patches of the pushed commits, saying what it did on out.
func Run(ctx context.Context, o Options, in io.Reader, out io.Writer) error {
	states, err := ParseStateMap(o.StateMap)
	if err != nil {
		return err
	}
	if o.Server == "" {
		return errors.New("no --server given")
	}
	if o.Token == "" {
		return errors.New("no REST token: give --token-file FILE or --token TOKEN")
	}
	hc := o.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	h := &hookRun{o: o, out: out, api: &restClient{base: strings.TrimRight(o.Server, "/"), token: o.Token, http: hc}}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			continue
		}
		oldRev, newRev, ref := fields[0], fields[1], fields[2]
		state, ok := states[ref]
		if !ok || newRev == zeroRev {
			continue
		}
		commits, err := h.revList(ctx, oldRev, newRev, ref)
		if err != nil {
			return err
		}
		for _, c := range commits {
			if err := h.update(ctx, c, state); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}

type hookRun struct {
	o   Options
	out io.Writer
	api *restClient
	// patchIDs caches git patch-id of candidate patches for the fallback.
	patchIDs map[string]int64
}

func (h *hookRun) git(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	// Fixed diff settings: a user's diff.noprefix or colour would change the hash.
	base := []string{"-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false", "-c", "color.ui=false"}
	if h.o.Repo != "" {
		base = append(base, "--git-dir", h.o.Repo)
	}
	cmd := exec.CommandContext(ctx, "git", append(base, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func (h *hookRun) revList(ctx context.Context, oldRev, newRev, ref string) ([]string, error) {
	args := []string{"rev-list", "--reverse"}
	if oldRev == zeroRev {
		// A new branch: its commits not on any other branch.
		args = append(args, newRev, "--not", "--exclude="+strings.TrimPrefix(ref, "refs/heads/"), "--branches")
	} else {
		args = append(args, oldRev+".."+newRev)
	}
	out, err := h.git(ctx, nil, args...)
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(out)), nil
}

func (h *hookRun) commitDiff(ctx context.Context, commit string) ([]byte, error) {
	if _, err := h.git(ctx, nil, "rev-parse", "--verify", "--quiet", commit+"~"); err != nil {
		return h.git(ctx, nil, "show", "--no-ext-diff", "--format=", commit) // root commit
	}
	return h.git(ctx, nil, "diff", "--no-ext-diff", commit+"~", commit)
}

func (h *hookRun) update(ctx context.Context, commit, state string) error {
	diff, err := h.commitDiff(ctx, commit)
	if err != nil {
		return err
	}
	short := commit[:min(12, len(commit))]
	hash := mailin.Hash(string(diff))
	patches, err := h.api.patchesByHash(ctx, h.o.Project, hash)
	if err != nil {
		return err
	}
	how := "hash"
	var id int64
	if len(patches) > 0 {
		id = patches[0] // newest first
	} else if h.o.FallbackLimit > 0 {
		if id, err = h.byPatchID(ctx, diff); err != nil {
			return err
		}
		how = "git patch-id"
	}
	if id == 0 {
		fmt.Fprintf(h.out, "%s: no matching patch in %s (hash %s)\n", short, h.o.Project, hash)
		return nil
	}
	if h.o.DryRun {
		fmt.Fprintf(h.out, "%s: would set patch %d to %s (matched by %s)\n", short, id, state, how)
		return nil
	}
	if err := h.api.setState(ctx, id, state, commit); err != nil {
		return fmt.Errorf("%s: update patch %d: %w", short, id, err)
	}
	fmt.Fprintf(h.out, "%s: patch %d is now %s (matched by %s)\n", short, id, state, how)
	return nil
}

func (h *hookRun) patchID(ctx context.Context, diff []byte) (string, error) {
	out, err := h.git(ctx, diff, "patch-id", "--stable")
	if err != nil {
		return "", err
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return "", nil
	}
	return f[0], nil
}

func (h *hookRun) byPatchID(ctx context.Context, diff []byte) (int64, error) {
	want, err := h.patchID(ctx, diff)
	if err != nil || want == "" {
		return 0, err
	}
	if h.patchIDs == nil {
		h.patchIDs = map[string]int64{}
		cands, err := h.api.openPatches(ctx, h.o.Project, h.o.FallbackLimit)
		if err != nil {
			return 0, err
		}
		for _, c := range cands {
			pid, err := h.patchID(ctx, []byte(c.diff))
			if err != nil {
				return 0, err
			}
			if pid != "" {
				if _, dup := h.patchIDs[pid]; !dup {
					h.patchIDs[pid] = c.id
				}
			}
		}
	}
	return h.patchIDs[want], nil
}

// restClient is the few REST calls the hook makes.
type restClient struct {
	base  string
	token string
	http  *http.Client
}

func (c *restClient) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Token "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: bad JSON: %w", method, path, err)
		}
	}
	return nil
}

func (c *restClient) patchesByHash(ctx context.Context, project, hash string) ([]int64, error) {
	var rows []struct {
		ID int64 `json:"id"`
	}
	q := url.Values{"project": {project}, "hash": {hash}, "order": {"-date"}}
	if err := c.do(ctx, http.MethodGet, "/api/1.2/patches/?"+q.Encode(), nil, &rows); err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

type candidate struct {
	id   int64
	diff string
}

// openPatches returns up to limit not-archived patches in action-required
// states, newest first, with their diffs.
func (c *restClient) openPatches(ctx context.Context, project string, limit int) ([]candidate, error) {
	var out []candidate
	for page := 1; len(out) < limit; page++ {
		var rows []struct {
			ID int64 `json:"id"`
		}
		q := url.Values{"project": {project}, "state": {"new", "under-review"}, "archived": {"false"},
			"order": {"-date"}, "per_page": {"100"}, "page": {strconv.Itoa(page)}}
		if err := c.do(ctx, http.MethodGet, "/api/1.2/patches/?"+q.Encode(), nil, &rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			var d struct {
				Diff *string `json:"diff"`
			}
			if err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/1.2/patches/%d/", r.ID), nil, &d); err != nil {
				return nil, err
			}
			if d.Diff != nil && len(out) < limit {
				out = append(out, candidate{id: r.ID, diff: *d.Diff})
			}
		}
		if len(rows) < 100 {
			break
		}
	}
	return out, nil
}

func (c *restClient) setState(ctx context.Context, id int64, state, commit string) error {
	body := map[string]string{"state": state, "commit_ref": commit}
	return c.do(ctx, http.MethodPatch, fmt.Sprintf("/api/1.2/patches/%d/", id), body, nil)
}
