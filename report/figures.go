package report

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"
)

// FiguresFormat names the version of the figures document.
const FiguresFormat = "vigil-report-figures/v1"

// DefaultMinCell is the smallest count a report shows as such; smaller
// counts (except zero) are shown as "<5".
const DefaultMinCell = 5

// Kinds of figure, by who can re-derive it.
const (
	// KindPublic figures count leaves of the public log by type and time:
	// anyone holding the log re-derives them.
	KindPublic = "public"
	// KindConfidential figures need the events' payloads (a country, a
	// sector, an outcome): an auditor given the events and their salts
	// re-derives them.
	KindConfidential = "confidential"
	// KindSnapshot figures describe the portfolio and its assessments when
	// the report was generated; the log does not hold them.
	KindSnapshot = "snapshot"
)

// Suppression reasons.
const (
	SuppressedSmall         = "small"         // the count is below the minimum
	SuppressedComplementary = "complementary" // hidden so that a small cell cannot be subtracted back
)

// Document is the machine-readable figures of one report: report.json, and
// the same bytes embedded in the HTML.
type Document struct {
	Format      string    `json:"format"`
	GeneratedAt time.Time `json:"generated_at"`
	Period      Period    `json:"period"`
	Previous    Period    `json:"previous_period"`
	MinCell     int       `json:"min_cell"`
	// Checkpoint is the signed log checkpoint the event figures were
	// computed at: only events in the log below its size count. Nil when
	// the report was rendered without a log, which makes it unverifiable.
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
	Figures    []Figure    `json:"figures"`
	// Named are the public decisions of the period (see NamedDecision);
	// they are content the provider chose to publish, not figures.
	Named []NamedDecision `json:"named_decisions,omitempty"`
}

// Checkpoint is a signed C2SP checkpoint and what it says.
type Checkpoint struct {
	Origin   string `json:"origin"`
	Size     uint64 `json:"tree_size"`
	RootHash string `json:"root_hash"` // hex
	Text     string `json:"text"`      // the signed note, verbatim
}

// Figure is one number of the report.
type Figure struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Group string `json:"group,omitempty"`
	// Total names the figure of the group's total, whose publication makes
	// a lone suppressed cell recoverable by subtraction.
	Total      string     `json:"total,omitempty"`
	Label      string     `json:"label,omitempty"` // the category: a type, a country, a month...
	Definition Definition `json:"definition"`
	// Value is absent when the figure is suppressed: the exact count of a
	// small cell never leaves the generator.
	Value      *int64 `json:"value,omitempty"`
	Suppressed string `json:"suppressed,omitempty"`
	// Tier is the highest risk tier of a heat-map cell (empty when hidden).
	Tier     string `json:"tier,omitempty"`
	TierRank int    `json:"tier_rank,omitempty"`
}

// Definition says exactly what a figure counts.
type Definition struct {
	// Events counted: a type listed, or one starting with a prefix, whose
	// time is in [From, To).
	Types    []string   `json:"event_types,omitempty"`
	Prefixes []string   `json:"event_type_prefixes,omitempty"`
	From     *time.Time `json:"from,omitempty"`
	To       *time.Time `json:"to,omitempty"`
	// GroupBy and GroupValue keep events whose payload array GroupBy
	// ("countries", "sectors") holds GroupValue.
	GroupBy    string `json:"payload_group_by,omitempty"`
	GroupValue string `json:"payload_group_value,omitempty"`
	// PayloadTrue keeps events whose payload field of that name is true.
	PayloadTrue string `json:"payload_true,omitempty"`
	// Text describes a snapshot figure's source.
	Text string `json:"text,omitempty"`
}

// Leaf is what a definition is matched against: an event's type and time,
// and, for confidential figures, its payload.
type Leaf struct {
	Type    string
	Time    time.Time
	Payload json.RawMessage
}

// matchesPublic reports whether the leaf's type and time fit.
func (d *Definition) matchesPublic(typ string, t time.Time) bool {
	if d.From == nil || d.To == nil || t.Before(*d.From) || !t.Before(*d.To) {
		return false
	}
	if slices.Contains(d.Types, typ) {
		return true
	}
	for _, p := range d.Prefixes {
		if strings.HasPrefix(typ, p) {
			return true
		}
	}
	return false
}

// eventPayload holds the payload fields confidential figures read.
type eventPayload map[string]json.RawMessage

func (d *Definition) matchesPayload(p eventPayload) bool {
	if d.GroupBy != "" {
		var vals []string
		if raw, ok := p[d.GroupBy]; !ok || json.Unmarshal(raw, &vals) != nil || !slices.Contains(vals, d.GroupValue) {
			return false
		}
	}
	if d.PayloadTrue != "" {
		var b bool
		if raw, ok := p[d.PayloadTrue]; !ok || json.Unmarshal(raw, &b) != nil || !b {
			return false
		}
	}
	return true
}

func (d *Definition) needsPayload() bool { return d.GroupBy != "" || d.PayloadTrue != "" }

// counter counts leaves against many definitions in one pass.
type counter struct {
	defs   []*Definition
	counts []int64
}

func newCounter(defs []*Definition) *counter {
	return &counter{defs: defs, counts: make([]int64, len(defs))}
}

func (c *counter) add(l Leaf) {
	var payload eventPayload
	decoded := false
	for i, d := range c.defs {
		if !d.matchesPublic(l.Type, l.Time) {
			continue
		}
		if d.needsPayload() {
			if !decoded {
				decoded = true
				_ = json.Unmarshal(l.Payload, &payload) // an unreadable payload matches no group
			}
			if !d.matchesPayload(payload) {
				continue
			}
		}
		c.counts[i]++
	}
}

// suppress hides every count in 1..min-1 and, in each group whose total is
// shown, one more cell when a single one is hidden, so that the hidden
// count cannot be recovered as the total minus the others.
func suppress(figs []Figure, counts []int64, min int) {
	byID := map[string]int{}
	for i := range figs {
		byID[figs[i].ID] = i
	}
	for i := range figs {
		if n := counts[i]; n > 0 && n < int64(min) {
			figs[i].Suppressed = SuppressedSmall
		}
	}
	groups := map[string][]int{}
	var names []string
	for i, f := range figs {
		if f.Group == "" || f.Total == "" {
			continue
		}
		if _, ok := groups[f.Group]; !ok {
			names = append(names, f.Group)
		}
		groups[f.Group] = append(groups[f.Group], i)
	}
	sort.Strings(names)
	for _, g := range names {
		cells := groups[g]
		total, ok := byID[figs[cells[0]].Total]
		if !ok || figs[total].Suppressed != "" {
			continue
		}
		hidden := 0
		for _, i := range cells {
			if figs[i].Suppressed != "" {
				hidden++
			}
		}
		if hidden != 1 {
			continue
		}
		// The smallest shown non-zero cell goes too: it reveals least.
		pick := -1
		for _, i := range cells {
			if figs[i].Suppressed == "" && counts[i] > 0 && (pick < 0 || counts[i] < counts[pick]) {
				pick = i
			}
		}
		if pick >= 0 {
			figs[pick].Suppressed = SuppressedComplementary
		} else {
			// Only zeros besides: the total itself would give the cell away.
			figs[total].Suppressed = SuppressedComplementary
		}
	}
	for i := range figs {
		if figs[i].Suppressed == "" {
			n := counts[i]
			figs[i].Value = &n
		}
	}
}

// Figure returns the figure with the id, or nil.
func (d *Document) Figure(id string) *Figure {
	for i := range d.Figures {
		if d.Figures[i].ID == id {
			return &d.Figures[i]
		}
	}
	return nil
}

// Group returns the figures of a group in document order.
func (d *Document) Group(name string) []*Figure {
	var out []*Figure
	for i := range d.Figures {
		if d.Figures[i].Group == name {
			out = append(out, &d.Figures[i])
		}
	}
	return out
}

func decodeBase64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
