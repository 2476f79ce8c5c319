package mailin

import (
	"maps"
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

// TestTagPrefilter: the word scan before a tag's regexp changes no count,
// on the libuv corpus and on texts made to trip it, and finds the word of
// upstream's default patterns.
func TestTagPrefilter(t *testing.T) {
	tags := []store.Tag{{ID: 1, Pattern: "^Acked-by:"}, {ID: 2, Pattern: "^Reviewed-by:"}, {ID: 3, Pattern: "^Tested-by:"},
		{ID: 4, Pattern: "^(Reported|Suggested)-by:"}, {ID: 5, Pattern: "[0-9]+ fixes"}}
	with := make([]tagPattern, len(tags))
	without := make([]tagPattern, len(tags))
	for k, tag := range tags {
		p, err := compileTag(tag.Pattern)
		if err != nil {
			t.Fatal(err)
		}
		with[k], without[k] = p, tagPattern{re: p.re}
	}
	for k, want := range []string{"acked-by:", "reviewed-by:", "tested-by:", "-by:", " fixes"} {
		if k < 3 && with[k].word != want {
			t.Errorf("word of %q: %q, want %q", tags[k].Pattern, with[k].word, want)
		}
	}
	if w := with[3].word; w != "" {
		t.Errorf("word of %q: %q, want none (it does not start with a letter)", tags[3].Pattern, w)
	}
	texts := []string{
		"", "Acked-by: A <a@example.org>\n", "ACKED-BY: A\nacked-by: B\n  Acked-by: not at the start\n",
		"Ac\u212aed-by: Kelvin sign folds to k\n", "Te\u017fted-by: long s folds to s\n",
		"Reviewed-by: x\nReviewed-by: y\nReported-by: z\n12 fixes\n",
	}
	n := 0
	for _, raw := range libuvMails(t) {
		m, err := Parse(raw)
		if err != nil {
			continue
		}
		texts = append(texts, m.Content)
	}
	for _, text := range texts {
		got, want := countTags(tags, with, text), countTags(tags, without, text)
		if !maps.Equal(got, want) {
			t.Fatalf("counts with the word scan %v, without %v, in:\n%.300s", got, want, text)
		}
		if len(want) > 0 {
			n++
		}
	}
	if n < 50 {
		t.Fatalf("only %d texts hold tags: the comparison says little", n)
	}
}
