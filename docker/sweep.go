package docker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moby/moby/client"
)

// SweepReport says what a sweep removed.
type SweepReport struct {
	Containers []string // container IDs (12 characters)
	Images     []string // image IDs or tags
}

func (r SweepReport) String() string {
	return fmt.Sprintf("%d containers, %d images", len(r.Containers), len(r.Images))
}

// sweepTimeout bounds a sweep.
const sweepTimeout = time.Minute

// Sweep removes, by label, every container this process created through
// this package (running or not, even if its Terminate never ran: a failed
// start, a killed spec) and every image labelled with this session.
// Cached images (bases, products) carry no session label and stay.
func Sweep(ctx context.Context) (SweepReport, error) {
	return sweep(ctx, LabelSession+"="+sessionID, 0)
}

// SweepStale removes containers of any session of this package created
// more than olderThan ago: what killed test runs left behind. Containers
// of runs still going are younger than any sensible olderThan.
func SweepStale(ctx context.Context, olderThan time.Duration) (SweepReport, error) {
	return sweep(ctx, LabelManaged+"=true", olderThan)
}

func sweep(ctx context.Context, label string, olderThan time.Duration) (SweepReport, error) {
	ctx, cancel := context.WithTimeout(ctx, sweepTimeout)
	defer cancel()
	var rep SweepReport
	cli, err := newClient(ctx)
	if err != nil {
		return rep, err
	}
	defer cli.Close()
	var errs []error
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", label)})
	if err != nil {
		return rep, fmt.Errorf("sweep: list containers: %w", err)
	}
	cutoff := time.Now().Add(-olderThan).Unix()
	for _, c := range list.Items {
		if olderThan > 0 && c.Created > cutoff {
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %.12s: %w", c.ID, err))
			continue
		}
		rep.Containers = append(rep.Containers, c.ID[:min(12, len(c.ID))])
	}
	if olderThan == 0 {
		imgs, err := cli.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("label", label)})
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep: list images: %w", err))
		} else {
			for _, im := range imgs.Items {
				if _, err := cli.ImageRemove(ctx, im.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
					errs = append(errs, fmt.Errorf("remove image %s: %w", im.ID, err))
					continue
				}
				rep.Images = append(rep.Images, im.ID)
			}
		}
	}
	return rep, errors.Join(errs...)
}

// Leftovers lists the containers of this session still present: after a
// sweep, none should be.
func Leftovers(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, sweepTimeout)
	defer cancel()
	cli, err := newClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", LabelSession+"="+sessionID)})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range list.Items {
		ids = append(ids, c.ID[:min(12, len(c.ID))])
	}
	return ids, nil
}
