package storetest

import (
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

func testBundles(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	p1, p2, p3 := f.patch(t, nil), f.patch(t, nil), f.patch(t, nil)
	pub := &store.Bundle{OwnerID: f.dev.ID, ProjectID: f.proj.ID, Name: "review", Public: true}
	must(t, s.CreateBundle(ctx, pub))
	if pub.ID == 0 {
		t.Fatal("CreateBundle set no id")
	}
	priv := &store.Bundle{OwnerID: f.dev.ID, ProjectID: f.proj.ID, Name: "todo"}
	must(t, s.CreateBundle(ctx, priv))
	other := &store.Bundle{OwnerID: f.maint.ID, ProjectID: f.proj2.ID, Name: "review"}
	must(t, s.CreateBundle(ctx, other))
	wantErr(t, "duplicate name of one owner", s.CreateBundle(ctx, &store.Bundle{OwnerID: f.dev.ID, ProjectID: f.proj2.ID, Name: "review"}), store.ErrConflict)
	wantErr(t, "empty name", s.CreateBundle(ctx, &store.Bundle{OwnerID: f.dev.ID, ProjectID: f.proj.ID}), store.ErrInvalid)

	got, err := s.GetBundle(ctx, pub.ID)
	must(t, err)
	eq(t, "GetBundle", *got, *pub)
	got, err = s.GetBundleByName(ctx, f.maint.ID, "review")
	must(t, err)
	eq(t, "GetBundleByName", *got, *other)
	_, err = s.GetBundle(ctx, 999999)
	wantErr(t, "GetBundle unknown", err, store.ErrNotFound)
	_, err = s.GetBundleByName(ctx, f.maint.ID, "todo")
	wantErr(t, "GetBundleByName of another owner", err, store.ErrNotFound)

	list := func(what string, q store.BundleQuery, want ...*store.Bundle) {
		t.Helper()
		got, err := s.ListBundles(ctx, q)
		must(t, err)
		eq(t, what, ids(got, func(b store.Bundle) int64 { return b.ID }), ids(want, func(b *store.Bundle) int64 { return b.ID }))
	}
	list("anonymous: public only", store.BundleQuery{}, pub)
	list("owner sees private ones", store.BundleQuery{ViewerID: f.dev.ID}, pub, priv)
	list("another user", store.BundleQuery{ViewerID: f.maint.ID}, pub, other)
	list("admin sees all", store.BundleQuery{ViewerID: -1}, pub, priv, other)
	list("project", store.BundleQuery{ViewerID: -1, ProjectID: f.proj2.ID}, other)
	list("owners", store.BundleQuery{ViewerID: -1, OwnerID: []int64{f.maint.ID}}, other)
	no := false
	list("not public", store.BundleQuery{ViewerID: -1, Public: &no}, priv, other)
	list("name like", store.BundleQuery{ViewerID: -1, NameLike: "VIEW"}, pub, other)
	list("name exact", store.BundleQuery{ViewerID: -1, Name: "todo"}, priv)
	list("by -name", store.BundleQuery{ViewerID: -1, Order: "-name"}, priv, other, pub)
	list("by owner", store.BundleQuery{ViewerID: -1, Order: "owner"}, pub, priv, other)
	list("page", store.BundleQuery{ViewerID: -1, Limit: 1, Offset: 2}, other)

	// Patches: in the order set, duplicates dropped; add appends only new
	// ones; remove takes some out.
	must(t, s.SetBundlePatches(ctx, pub.ID, []int64{p3.ID, p1.ID, p3.ID}))
	bp, err := s.BundlePatchIDs(ctx, pub.ID)
	must(t, err)
	eq(t, "SetBundlePatches", bp, []int64{p3.ID, p1.ID})
	must(t, s.AddBundlePatches(ctx, pub.ID, []int64{p1.ID, p2.ID, p2.ID}))
	bp, err = s.BundlePatchIDs(ctx, pub.ID)
	must(t, err)
	eq(t, "AddBundlePatches", bp, []int64{p3.ID, p1.ID, p2.ID})
	must(t, s.RemoveBundlePatches(ctx, pub.ID, []int64{p1.ID, 999999}))
	must(t, s.RemoveBundlePatches(ctx, pub.ID, nil))
	bp, err = s.BundlePatchIDs(ctx, pub.ID)
	must(t, err)
	eq(t, "RemoveBundlePatches", bp, []int64{p3.ID, p2.ID})
	must(t, s.AddBundlePatches(ctx, pub.ID, []int64{p1.ID}))
	bp, err = s.BundlePatchIDs(ctx, pub.ID)
	must(t, err)
	eq(t, "appended after a removal", bp, []int64{p3.ID, p2.ID, p1.ID})
	must(t, s.SetBundlePatches(ctx, pub.ID, nil))
	bp, err = s.BundlePatchIDs(ctx, pub.ID)
	must(t, err)
	eq(t, "emptied", len(bp), 0)
	wantErr(t, "SetBundlePatches unknown bundle", s.SetBundlePatches(ctx, 999999, []int64{p1.ID}), store.ErrNotFound)
	wantErr(t, "AddBundlePatches unknown bundle", s.AddBundlePatches(ctx, 999999, []int64{p1.ID}), store.ErrNotFound)

	// Update and delete.
	priv.Name, priv.Public, priv.ProjectID = "later", true, f.proj2.ID
	must(t, s.UpdateBundle(ctx, priv))
	got, err = s.GetBundle(ctx, priv.ID)
	must(t, err)
	eq(t, "after UpdateBundle", *got, *priv)
	wantErr(t, "UpdateBundle to a taken name", s.UpdateBundle(ctx, &store.Bundle{ID: priv.ID, OwnerID: f.dev.ID, ProjectID: f.proj.ID, Name: "review"}), store.ErrConflict)
	wantErr(t, "UpdateBundle unknown", s.UpdateBundle(ctx, &store.Bundle{ID: 999999, Name: "x"}), store.ErrNotFound)
	must(t, s.SetBundlePatches(ctx, priv.ID, []int64{p2.ID}))
	must(t, s.DeleteBundle(ctx, priv.ID))
	_, err = s.GetBundle(ctx, priv.ID)
	wantErr(t, "deleted bundle", err, store.ErrNotFound)
	bp, err = s.BundlePatchIDs(ctx, priv.ID)
	must(t, err)
	eq(t, "patches of a deleted bundle", len(bp), 0)
	wantErr(t, "DeleteBundle twice", s.DeleteBundle(ctx, priv.ID), store.ErrNotFound)
}
