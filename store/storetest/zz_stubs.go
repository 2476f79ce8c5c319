package storetest

import (
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

func testSeries(t *testing.T, s store.Store)         {}
func testCovers(t *testing.T, s store.Store)         {}
func testComments(t *testing.T, s store.Store)       {}
func testChecks(t *testing.T, s store.Store)         {}
func testBundles(t *testing.T, s store.Store)        {}
func testEvents(t *testing.T, s store.Store)         {}
func testFailedMail(t *testing.T, s store.Store)     {}
func testHeldMail(t *testing.T, s store.Store)       {}
func testNotifications(t *testing.T, s store.Store)  {}
func testTransactions(t *testing.T, s store.Store)   {}
func testDeferredWrites(t *testing.T, s store.Store) {}
func testTimeRoundTrip(t *testing.T, s store.Store)  {}
