package mailin

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// Message ids of the dependency corpus files.
const (
	depBaseCover   = "<20240610210912.161735-1-ahassick@iol.unh.edu>"
	depBasePatch1  = "<20240610210912.161735-3-ahassick@iol.unh.edu>"
	depBasePatch2  = "<20240610210912.161735-5-ahassick@iol.unh.edu>"
	depOwnCover    = "<20240611160854.192806-1-ahassick@iol.unh.edu>"
	depSecondPatch = "<20240611160854.192806-2-ahassick@iol.unh.edu>"
)

// depScenario is one of upstream's SeriesDependencyTestCase cases: the
// base series, then filled templates, in one project.
type depScenario struct {
	name string
	// steps are template files and their tokens (by placeholder); a token
	// "series:N" is the patch-list URL of the Nth series, a token
	// "patch:<id>" the patch URL of that message.
	steps []depStep
	// want is each series' dependencies as labels, in series order.
	want string
	// observed names the observed-upstream.json scenario it reproduces.
	observed string
	// otherProject parses the last step into a second project.
	otherProject bool
}

type depStep struct {
	file   string
	tokens map[string]string
}

func depTemplate(file string, tokens map[string]string) depStep {
	return depStep{file: file, tokens: tokens}
}

var (
	oneCover = func(tok string) depStep {
		return depTemplate("dependency-one-cover.mbox.template", map[string]string{"depends_token": tok})
	}
	oneFirst = func(tok string) depStep {
		return depTemplate("dependency-one-first-patch.mbox.template", map[string]string{"depends_token": tok})
	}
	multi = func(file string) depStep {
		return depTemplate(file, map[string]string{"depends_token_1": depBasePatch1, "depends_token_2": depSecondPatch})
	}
)

// TestDependsOn runs upstream's dependency scenarios (spec §11.5): every
// scenario of observed-upstream.json gives the dependencies upstream
// recorded, and the cases its tests add (the base cover's id, patch 2's
// id, the series' own cover, another project) give theirs. Each scenario
// has its own project, and its message ids are made its own so that
// "first found, any project" finds its mails.
func TestDependsOn(t *testing.T) {
	base := depTemplate("dependency-base-patch.mbox", nil)
	scenarios := []depScenario{
		{name: "cover/patch msgid", steps: []depStep{base, oneCover(depBasePatch1)}, want: "S1[] S2[S1]",
			observed: "dependency-one-cover.mbox.template with depends_token=patch_msgid (<20240610210912.161735-3-ahassick@iol.unh.edu>)"},
		{name: "first patch/patch msgid", steps: []depStep{base, oneFirst(depBasePatch1)}, want: "S1[] S2[S1]",
			observed: "dependency-one-first-patch.mbox.template with depends_token=patch_msgid (<20240610210912.161735-3-ahassick@iol.unh.edu>)"},
		{name: "cover/series url", steps: []depStep{base, oneCover("series:1")}, want: "S1[] S2[S1]",
			observed: "dependency-one-cover.mbox.template with depends_token=series_url (http://test/project/test-project/list/?series=1)"},
		{name: "cover/patch url", steps: []depStep{base, oneCover("patch:" + depBasePatch1)}, want: "S1[] S2[S1]",
			observed: "dependency-one-cover.mbox.template with depends_token=patch_url (http://test/project/test-project/patch/20240610210912.161735-3-ahassick@iol.unh.edu/)"},
		{name: "multi", steps: []depStep{base, oneCover(depBasePatch1), multi("dependency-multi.mbox.template")},
			want: "S1[] S2[S1] S3[S1 S2]", observed: "dependency-multi.mbox.template (after base + one-cover)"},
		{name: "multi-2", steps: []depStep{base, oneCover(depBasePatch1), multi("dependency-multi-2.mbox.template")},
			want: "S1[] S2[S1] S3[S1 S2]", observed: "dependency-multi-2.mbox.template (after base + one-cover)"},
		{name: "cover/patch 2 msgid", steps: []depStep{base, oneCover(depBasePatch2)}, want: "S1[] S2[S1]"},
		{name: "first patch/cover msgid", steps: []depStep{base, oneFirst(depBaseCover)}, want: "S1[] S2[S1]"},
		{name: "no circular relation", steps: []depStep{base, oneFirst(depOwnCover)}, want: "S1[] S2[]"},
		{name: "unknown msgid and url", steps: []depStep{base, oneCover("<nobody@example.org>")}, want: "S1[] S2[]"},
		{name: "other url", steps: []depStep{base, oneCover("https://example.org/project/x/list/?series=oops")}, want: "S1[] S2[]"},
		{name: "no cross-project relation", steps: []depStep{base, oneFirst(depBasePatch1)}, want: "S1[]|S1[]", otherProject: true},
	}
	obs := observed(t)["dependency-scenarios (templates filled like upstream SeriesDependencyTestCase)"]
	for _, sc := range scenarios {
		if sc.observed == "" {
			continue
		}
		o, ok := obs[sc.observed].(map[string]any)
		if !ok {
			t.Fatalf("observed scenario %q missing", sc.observed)
		}
		var labels []string
		for _, x := range o["series"].([]any) {
			x := x.(map[string]any)
			labels = append(labels, fmt.Sprintf("%s%v", x["label"], x["depends_on"]))
		}
		if got := strings.Join(labels, " "); got != sc.want {
			t.Fatalf("%s: the test expects %s, upstream observed %s", sc.name, sc.want, got)
		}
	}
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		for n, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				ctx := context.Background()
				own := func(text string) string {
					return strings.ReplaceAll(text, "-ahassick@iol.unh.edu", fmt.Sprintf("-ahassick.s%d@iol.unh.edu", n))
				}
				link := fmt.Sprintf("dep%d", n)
				projs := []*store.Project{newProject(t, s, link, link+".example.com")}
				if sc.otherProject {
					projs = append(projs, newProject(t, s, link+"b", link+"b.example.com"))
				}
				ing := NewIngester(s, nil)
				var series []int64 // of the first project, in order of creation
				for k, step := range sc.steps {
					text := string(readCorpus(t, "series/"+step.file))
					for ph, tok := range step.tokens {
						switch {
						case strings.HasPrefix(tok, "series:"):
							var i int
							fmt.Sscan(tok[len("series:"):], &i)
							tok = fmt.Sprintf("http://test/project/%s/list/?series=%d", link, series[i-1])
						case strings.HasPrefix(tok, "patch:"):
							tok = "http://test/project/" + link + "/patch/" + strings.Trim(own(tok[len("patch:"):]), "<>") + "/"
						default:
							tok = own(tok)
						}
						text = strings.ReplaceAll(text, "{"+ph+"}", tok)
					}
					if strings.HasSuffix(step.file, ".template") {
						text = strings.NewReplacer("{{", "{", "}}", "}").Replace(text)
					}
					proj := projs[0]
					if sc.otherProject && k == len(sc.steps)-1 {
						proj = projs[1]
					}
					err := ReadMbox(bytes.NewReader([]byte(own(text))), func(raw []byte) error {
						res, err := ing.Ingest(ctx, raw, proj.ListID)
						if err != nil {
							return err
						}
						if !res.Kind.Stored() {
							return fmt.Errorf("%s: %v (%s)", res.MsgID, res.Kind, res.Reason)
						}
						if res.SeriesCreated && proj == projs[0] {
							series = append(series, res.SeriesID)
						}
						return nil
					})
					if err != nil {
						t.Fatalf("%s: %v", step.file, err)
					}
				}
				var got []string
				for _, p := range projs {
					got = append(got, dependencyLabels(t, s, p))
				}
				if g := strings.Join(got, "|"); g != sc.want {
					t.Errorf("dependencies %s, want %s", g, sc.want)
				}
			})
		}
	})
}

// dependencyLabels lists a project's series as S1, S2… in date order,
// each with the labels of the series it depends on, and checks that the
// dependents are the reverse relation.
func dependencyLabels(t testing.TB, s store.Store, p *store.Project) string {
	t.Helper()
	ctx := context.Background()
	series, err := s.ListSeries(ctx, store.SeriesQuery{ProjectID: p.ID, Order: "date"})
	if err != nil {
		t.Fatal(err)
	}
	label := map[int64]string{}
	for k, x := range series {
		label[x.ID] = fmt.Sprintf("S%d", k+1)
	}
	name := func(id int64) string {
		if l, ok := label[id]; ok {
			return l
		}
		return fmt.Sprintf("series %d of another project", id)
	}
	deps := map[int64][]int64{}
	var out []string
	for _, x := range series {
		ids, err := s.SeriesDependencies(ctx, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		deps[x.ID] = ids
		var ls []string
		for _, id := range ids {
			ls = append(ls, name(id))
		}
		out = append(out, fmt.Sprintf("%s[%s]", label[x.ID], strings.Join(ls, " ")))
	}
	for _, x := range series {
		ids, err := s.SeriesDependents(ctx, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for _, y := range series {
			for _, d := range deps[y.ID] {
				if d == x.ID {
					want = append(want, y.ID)
				}
			}
		}
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("dependents of %s: %v, want %v", label[x.ID], ids, want)
		}
	}
	return strings.Join(out, " ")
}
