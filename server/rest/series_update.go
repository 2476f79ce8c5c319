package rest

import (
	"fmt"

	"github.com/patchwork-go/patchwork/store/service"
)

// seriesUpdate is our extension to upstream's API: PATCH series/<id>/ with
// any of state, archived and delegate (same values and validation errors
// as PATCH patches/<id>/) applies the change to every patch of the series
// in one transaction, recording the usual per-patch events. The requester
// must be allowed to edit every patch (submitter, delegate or maintainer);
// if one patch is not editable nothing changes and the answer is 403.
// Success answers 200 with the series.
//
//	curl -X PATCH -H 'Authorization: Token …' -d state=accepted -d archived=true \
//	    http://host/api/1.3/series/42/
func (c *call) seriesUpdate() error {
	s, err := c.seriesByPath()
	if err != nil {
		return err
	}
	if c.user == nil {
		return c.forbidden()
	}
	b, err := c.readBody()
	if err != nil {
		return err
	}
	proj, err := c.project(s.ProjectID)
	if err != nil {
		return err
	}
	var v validation
	u, err := c.patchChanges(b, proj, &v)
	if err != nil {
		return err
	}
	if err := v.err(); err != nil {
		return err
	}
	rows, err := c.h.store.SeriesPatches(c.ctx, s.ID)
	if err != nil {
		return fmt.Errorf("patches of series %d: %w", s.ID, err)
	}
	err = c.h.svc.InTx(c.ctx, func(tx *service.Service) error {
		for _, r := range rows {
			if _, err := tx.EditPatch(c.ctx, c.user, r.ID, u, service.UpstreamPolicy); err != nil {
				return fmt.Errorf("series %d: %w", s.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	o, err := c.seriesObj(s)
	if err != nil {
		return err
	}
	c.ok(o)
	return nil
}
