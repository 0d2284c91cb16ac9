package http

import (
	"sort"

	"github.com/vigil-hrdd/vigil/i18n"
	"github.com/vigil-hrdd/vigil/portfolio"
)

// The chain graph is laid out here and drawn as SVG by the party
// template: parents above the party, its downstream (intermediaries and
// end users) below, one row per depth. Each node is a link to its party,
// so the graph works with the keyboard; the same chain is also a table
// for screen readers and for chains too big to draw.

const (
	graphWidth    = 960
	graphNodeW    = 200
	graphNodeH    = 46
	graphRowH     = 96
	graphMaxInRow = 4
)

type graphNode struct {
	ID      string
	Name    string
	Country string
	// Role is "self", "parent", "down" or "enduser"; it sets the shape
	// marker and the label, so the role is never shown by colour alone.
	Role  string
	Label string
	X, Y  int
	// Omitted > 0 makes the node a "N more" placeholder for a full row.
	Omitted int
}

type graphEdge struct {
	X1, Y1, X2, Y2 int
	Label          string
	LX, LY         int
}

type chainGraph struct {
	Width, Height int
	Nodes         []graphNode
	Edges         []graphEdge
	Omitted       int
}

// layoutChain places the chain's parties on rows; a row holds at most
// graphMaxInRow parties and says how many more there are, since a graph
// of hundreds of units is unreadable (the table lists them all).
func layoutChain(c *portfolio.Chain, upstream, children []portfolio.Step, names map[string]partyName, L *i18n.Localizer) *chainGraph {
	endUser := map[string]bool{}
	for _, s := range c.EndUsers {
		endUser[s.PartyID] = true
	}
	rows := map[int][]graphNode{}
	add := func(depth int, s portfolio.Step, role string) {
		n := names[s.PartyID]
		if n.Name == "" {
			n.Name = s.PartyID
		}
		rows[depth] = append(rows[depth], graphNode{ID: s.PartyID, Name: shorten(20, n.Name), Country: n.Country, Role: role})
	}
	// Resellers of the party sit in the row above it with its direct
	// parents; the arrow and the label tell the two apart.
	for _, s := range upstream {
		add(-1, s, "up")
	}
	for _, s := range c.Parents {
		add(-s.Depth, s, "parent")
	}
	// Its own units and subsidiaries sit below it, beside the first
	// downstream row.
	for _, s := range children {
		add(1, s, "child")
	}
	for _, s := range c.Downstream {
		role := "down"
		if endUser[s.PartyID] {
			role = "enduser"
		}
		add(s.Depth, s, role)
	}
	self := names[c.PartyID]
	rows[0] = []graphNode{{ID: c.PartyID, Name: shorten(20, self.Name), Country: self.Country, Role: "self"}}

	var depths []int
	for d := range rows {
		depths = append(depths, d)
	}
	sort.Ints(depths)
	g := &chainGraph{Width: graphWidth, Height: len(depths)*graphRowH + 10}
	pos := map[string][2]int{}
	for ri, d := range depths {
		row := rows[d]
		sort.SliceStable(row, func(i, j int) bool { return row[i].ID < row[j].ID })
		if len(row) > graphMaxInRow {
			more := len(row) - (graphMaxInRow - 1)
			g.Omitted += more
			row = append(row[:graphMaxInRow-1:graphMaxInRow-1], graphNode{Role: "more", Omitted: more})
		}
		y := ri*graphRowH + 20
		gap := graphWidth / len(row)
		for i := range row {
			row[i].X = gap*i + (gap-graphNodeW)/2
			row[i].Y = y
			row[i].Label = L.Label("role", row[i].Role)
			if row[i].ID != "" {
				pos[row[i].ID] = [2]int{row[i].X + graphNodeW/2, y}
			}
			g.Nodes = append(g.Nodes, row[i])
		}
	}
	seen := map[string]bool{}
	for _, steps := range [][]portfolio.Step{upstream, children, c.Parents, c.Downstream} {
		for _, s := range steps {
			for _, l := range s.Via {
				if seen[l.ID] {
					continue
				}
				seen[l.ID] = true
				a, okA := pos[l.From]
				b, okB := pos[l.To]
				if !okA || !okB {
					continue
				}
				// Draw from the bottom of the upper node to the top of
				// the lower one; the arrow keeps the link's direction.
				e := graphEdge{X1: a[0], Y1: a[1], X2: b[0], Y2: b[1], Label: L.Label("link", string(l.Type))}
				if a[1] < b[1] {
					e.Y1 += graphNodeH
				} else {
					e.Y2 += graphNodeH
				}
				e.LX, e.LY = (e.X1+e.X2)/2+6, (e.Y1+e.Y2)/2+4
				g.Edges = append(g.Edges, e)
			}
		}
	}
	return g
}
