// Package mbox writes patches, cover letters, series and bundles as mbox
// text, exactly in the format of spec web.md §4. It is the one mbox writer of
// patchwork-go: the web downloads, the REST API (`mbox` links), XML-RPC
// patch_get_mbox and the SSH `mbox`/`series --mbox` commands all use it, so
// `git am` sees the same bytes whatever the client.
//
// Store-backed writers (each builds the whole text first and writes it in one
// call, so an error never leaves half a download behind; a missing object is
// reported as an error wrapping store.ErrNotFound):
//
//	w := mbox.Writer{Store: s}
//	w.Patch(ctx, out, patchID)                 // one patch
//	w.PatchWithDeps(ctx, out, patchID, "*")    // ?series=: "" alone, "*" or the series id
//	w.Cover(ctx, out, coverID)                 // one cover letter
//	w.Series(ctx, out, seriesID)               // the series' patches by number, no cover
//	w.Bundle(ctx, out, bundleID)               // the bundle's patches in bundle order
//
// The package functions WritePatch, WriteCover, WriteSeries and WriteBundle
// are shorthands for the same.
//
// Pure helpers need no store: Encode writes one Message; Filename is the
// filename rule of spec xmlrpc.md §4.7; PatchDisposition, CoverDisposition,
// SeriesDisposition and BundleDisposition give the exact Content-Disposition
// values of web.md §3; EscapeMsgID and UnescapeMsgID convert Message-IDs to
// and from URL path segments (web.md §2), and PatchPath/CoverPath build the
// web paths every front end links to.
package mbox
