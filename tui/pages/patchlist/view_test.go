package patchlist

import (
	"reflect"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// TestSameRowFields changes each field of a PatchRow in turn: sameRow must
// see every change, or a reload would keep a stale line on screen.
func TestSameRowFields(t *testing.T) {
	base := store.PatchRow{Date: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Tags: store.TagCounts{1: 2}}
	if !sameRow(base, base) {
		t.Fatal("a row differs from itself")
	}
	same := base
	same.Date = base.Date.In(time.FixedZone("X", 3600))
	same.Tags = store.TagCounts{1: 2}
	if !sameRow(base, same) {
		t.Error("the same instant in another zone, or equal tag counts in another map, differ")
	}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		f := typ.Field(i)
		changed := base
		changed.Tags = store.TagCounts{1: 2}
		v := reflect.ValueOf(&changed).Elem().Field(i)
		switch f.Type {
		case reflect.TypeOf(time.Time{}):
			v.Set(reflect.ValueOf(base.Date.Add(time.Second)))
		case reflect.TypeOf(store.TagCounts{}):
			v.Set(reflect.ValueOf(store.TagCounts{1: 3}))
		default:
			if !setSome(v) {
				t.Fatalf("field %s of type %s: the test cannot change it", f.Name, f.Type)
			}
		}
		if sameRow(base, changed) {
			t.Errorf("sameRow misses a change of %s", f.Name)
		}
	}
}

// setSome sets every basic field inside v to a value other than zero.
func setSome(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Int, reflect.Int64:
		v.SetInt(v.Int() + 7)
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Struct:
		// sameRow compares nested structs (Submitter, Checks) whole.
		for i := range v.NumField() {
			if !setSome(v.Field(i)) {
				return false
			}
		}
	default:
		return false
	}
	return true
}
