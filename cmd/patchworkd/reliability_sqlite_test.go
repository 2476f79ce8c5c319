package main

// The SQLite default (issue 9): serve answering users while parsemail
// processes write to the same file. SQLite allows one writer at a time;
// a busy writer must make the others wait, never fail a user with
// "database is locked".

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestReliabilitySQLiteServeAndParsemail(t *testing.T) {
	corpus := relCorpus(t)
	db := relNewDB(t, "sqlite")
	alice := relAddMaintainer(t, db, "alice")
	// Patches to change while more mail comes in.
	relParsearchive(t, db, relWriteMbox(t, "first.mbox", corpus[:100]))
	d := relServe(t, db, relHostKey(t))
	ssh, _ := relDial(t, d.ssh, alice)

	resp, err := http.Get("http://" + d.http + "/api/patches/?project=test&per_page=100&order=id")
	if err != nil {
		t.Fatal(err)
	}
	var patches []struct {
		ID int64 `json:"id"`
	}
	err = json.NewDecoder(resp.Body).Decode(&patches)
	resp.Body.Close()
	if err != nil || len(patches) < 40 {
		t.Fatalf("patches to work on: %d, %v", len(patches), err)
	}

	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	client := &http.Client{}
	restPatch := func(id int64, state string) {
		req, _ := http.NewRequest(http.MethodPatch, fmt.Sprintf("http://%s/api/patches/%d/", d.http, id),
			strings.NewReader(`{"state": "`+state+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Token "+alice.token)
		resp, err := client.Do(req)
		if err != nil {
			fail("PATCH %d: %v", id, err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fail("PATCH %d to %s: %d %s", id, state, resp.StatusCode, body)
		}
	}
	restList := func() {
		resp, err := client.Get("http://" + d.http + "/api/patches/?project=test&order=-date")
		if err != nil {
			fail("GET list: %v", err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fail("GET list: %d %s", resp.StatusCode, body)
		}
	}

	// Everything at once: three mail deliveries in parallel (200 mails),
	// two REST writers, a REST reader, and SSH state changes.
	const writes = 60
	var wg sync.WaitGroup
	wg.Add(5)
	go func() {
		defer wg.Done()
		relParallel(200, 3, func(i int) {
			m := corpus[100+i]
			if r := relParsemail(t, db, m); r.code != 0 {
				fail("parsemail %s: exit %d: %s", m.msgid, r.code, r.stderr)
			}
		})
	}()
	for w := 0; w < 2; w++ {
		go func() {
			defer wg.Done()
			for i := 0; i < writes; i++ {
				restPatch(patches[w*20+i%20].ID, []string{"under-review", "new"}[i%2])
			}
		}()
	}
	go func() {
		defer wg.Done()
		for i := 0; i < writes; i++ {
			restList()
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < writes/2; i++ {
			id := patches[40+i%(len(patches)-40)].ID
			s, err := ssh.NewSession()
			if err != nil {
				fail("ssh session: %v", err)
				continue
			}
			out, err := s.CombinedOutput(fmt.Sprintf("set-state %d %s", id, []string{"rfc", "new"}[i%2]))
			s.Close()
			if err != nil {
				fail("ssh set-state %d: %v: %s", id, err, out)
			}
		}
	}()
	wg.Wait()

	for _, f := range failures {
		t.Error(f)
	}
	if log := d.log.String(); strings.Contains(log, "locked") || strings.Contains(log, "SQLITE_BUSY") {
		t.Errorf("the daemon logged a locked database:\n%s", relTail(log))
	}
	got := relSnapshot(t, db)
	if got.counts.Patches+got.counts.Covers+got.counts.Comments != 300 || len(got.dups) > 0 {
		t.Errorf("after the run: %+v, duplicates %v; want the 300 mails fed, each once", got.counts, got.dups)
	}
}
