package query

import (
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// SeriesTerms are the keys a series list takes: the words of the name,
// from: and date:.
const SeriesTerms = "words, from:, date:"

// Series turns the query into the conditions of a series list (into q,
// which holds the project, order and paging): words match the series'
// name, from: its submitter, date: its date. Other keys are errors at
// their column.
func (q *Query) Series(sq *store.SeriesQuery) error {
	if q == nil {
		return nil
	}
	for _, t := range q.Terms {
		switch t.Key {
		case "":
			if t.Neg {
				sq.NotNames = append(sq.NotNames, texts(t.Values)...)
			} else {
				sq.NameTerms = append(sq.NameTerms, texts(t.Values)...)
			}
		case "from":
			if t.Neg {
				return errAt(t.Col, "-from: is not a series term (%s)", SeriesTerms)
			}
			sq.SubmitterText = append(sq.SubmitterText, texts(t.Values)...)
		case "date":
			if t.Neg {
				return errAt(t.Col, "-date: is not a series term: write the opposite comparison")
			}
			op, day, err := parseDate(t.Values[0])
			if err != nil {
				return err
			}
			next := day.Add(24 * time.Hour)
			since, before := time.Time{}, time.Time{}
			switch op {
			case store.OpEq:
				since, before = day, next
			case store.OpGt:
				since = next
			case store.OpGe:
				since = day
			case store.OpLt:
				before = day
			case store.OpLe:
				before = next
			}
			if !since.IsZero() && since.After(sq.Since) {
				sq.Since = since
			}
			if !before.IsZero() && (sq.Before.IsZero() || before.Before(sq.Before)) {
				sq.Before = before
			}
		default:
			return errAt(t.Col, "%s: is not a series term (%s)", t.Key, SeriesTerms)
		}
	}
	return nil
}
