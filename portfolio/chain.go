// Package portfolio answers questions about the shape of a provider's
// portfolio that need more than one record: who is the ultimate end user
// behind a chain of resellers, which bodies own, control or command a party.
package portfolio

import (
	"context"
	"fmt"
	"sort"

	"github.com/vigil-hrdd/vigil"
)

// MaxDepth bounds every walk: real chains are a handful of links long, and a
// bound keeps a corrupt or cyclic graph from running away.
const MaxDepth = 12

// Step is one party reached by a walk, with the path of links that leads to
// it from the start.
type Step struct {
	PartyID string        `json:"party_id"`
	Depth   int           `json:"depth"`
	Via     []*vigil.Link `json:"via"`
}

// Chain is what stands behind and above one party.
type Chain struct {
	PartyID string `json:"party_id"`
	// Downstream are the parties the start resells to or acts for,
	// transitively; EndUsers are those of them with no further downstream
	// link: the ultimate end users.
	Downstream []Step `json:"downstream"`
	EndUsers   []Step `json:"end_users"`
	// Parents are bodies that own, control or command the start (and those
	// above them), transitively.
	Parents []Step `json:"parents"`
	// Cycles lists links that closed a loop and were not followed.
	Cycles []*vigil.Link `json:"cycles,omitempty"`
}

// direction says, for one link seen from a party, where it leads.
func downstreamOf(l *vigil.Link, from string) (string, bool) {
	if l.From == from && (l.Type == vigil.LinkResellsTo || l.Type == vigil.LinkActsFor) {
		return l.To, true
	}
	return "", false
}

func parentOf(l *vigil.Link, of string) (string, bool) {
	switch l.Type {
	case vigil.LinkOwns, vigil.LinkControls:
		if l.To == of {
			return l.From, true
		}
	case vigil.LinkUnitOf:
		if l.From == of {
			return l.To, true
		}
	}
	return "", false
}

// Walk returns the chain of a party: its downstream end users and its
// parents. It reads links breadth first, one query per level.
func Walk(ctx context.Context, g vigil.GraphStore, partyID string) (*Chain, error) {
	c := &Chain{PartyID: partyID, Downstream: []Step{}, EndUsers: []Step{}, Parents: []Step{}}
	down, downCycles, hasDown, err := bfs(ctx, g, partyID, downstreamOf)
	if err != nil {
		return nil, fmt.Errorf("walk downstream of %s: %w", partyID, err)
	}
	up, upCycles, _, err := bfs(ctx, g, partyID, parentOf)
	if err != nil {
		return nil, fmt.Errorf("walk parents of %s: %w", partyID, err)
	}
	c.Cycles = append(downCycles, upCycles...)
	c.Downstream = down
	for _, s := range down {
		if !hasDown[s.PartyID] {
			c.EndUsers = append(c.EndUsers, s)
		}
	}
	c.Parents = up
	return c, nil
}

// EndUsersOf returns the ultimate end users behind a party, or the party
// itself when it resells to nobody: the customer is then its own end user.
func EndUsersOf(ctx context.Context, g vigil.GraphStore, partyID string) ([]string, error) {
	c, err := Walk(ctx, g, partyID)
	if err != nil {
		return nil, err
	}
	if len(c.EndUsers) == 0 {
		return []string{partyID}, nil
	}
	ids := make([]string, len(c.EndUsers))
	for i, s := range c.EndUsers {
		ids[i] = s.PartyID
	}
	return ids, nil
}

// bfs walks from start along the links next accepts. It also returns which
// parties have at least one such link, so callers can tell the leaves.
func bfs(ctx context.Context, g vigil.GraphStore, start string, next func(*vigil.Link, string) (string, bool)) ([]Step, []*vigil.Link, map[string]bool, error) {
	seen := map[string]bool{start: true}
	paths := map[string][]*vigil.Link{start: nil}
	frontier := []string{start}
	var steps []Step
	var cycles []*vigil.Link
	hasNext := map[string]bool{}
	for depth := 1; depth <= MaxDepth && len(frontier) > 0; depth++ {
		links, err := g.LinksOf(ctx, frontier)
		if err != nil {
			return nil, nil, nil, err
		}
		sort.Slice(links, func(i, j int) bool { return links[i].ID < links[j].ID })
		var nextFrontier []string
		for _, from := range frontier {
			for _, l := range links {
				to, ok := next(l, from)
				if !ok {
					continue
				}
				hasNext[from] = true
				if seen[to] {
					if onPath(paths[from], to) || to == start {
						cycles = append(cycles, l)
					}
					continue
				}
				seen[to] = true
				via := append(append([]*vigil.Link{}, paths[from]...), l)
				paths[to] = via
				steps = append(steps, Step{PartyID: to, Depth: depth, Via: via})
				nextFrontier = append(nextFrontier, to)
			}
		}
		frontier = nextFrontier
	}
	if steps == nil {
		steps = []Step{}
	}
	return steps, cycles, hasNext, nil
}

func onPath(path []*vigil.Link, id string) bool {
	for _, l := range path {
		if l.From == id || l.To == id {
			return true
		}
	}
	return false
}
