package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/transparency-dev/tessera/api"
	tlayout "github.com/transparency-dev/tessera/api/layout"
	"github.com/vigil-hrdd/vigil"
	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
)

// Result is what Verify checked and what did not match.
type Result struct {
	Checkpoint Checkpoint `json:"checkpoint"`
	// Checked counts the figures recounted and found equal.
	Checked int `json:"checked"`
	// Unchecked names figures that cannot be recounted here: snapshots,
	// complementary suppressions, and confidential figures without events.
	Unchecked []string `json:"unchecked"`
	// EventsChecked counts the exported events whose commitment and leaf
	// matched.
	EventsChecked int       `json:"events_checked"`
	Problems      []Problem `json:"problems"`
}

// Problem is one disagreement between the report and the record.
type Problem struct {
	Figure   string `json:"figure"`
	Expected string `json:"expected"`
	Found    string `json:"found"`
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: the report says %s, the record gives %s", p.Figure, p.Expected, p.Found)
}

// OK reports whether everything matched.
func (r *Result) OK() bool { return len(r.Problems) == 0 }

// ReadDocument reads a report directory's figures document.
func ReadDocument(dir string) (*Document, []byte, error) {
	p := filepath.Join(dir, FiguresFile)
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, nil, fmt.Errorf("report: %w", err)
	}
	var doc Document
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, vigil.Errorf(vigil.EINVALID, "%s: %v", p, err)
	}
	if doc.Format != FiguresFormat {
		return nil, nil, vigil.Errorf(vigil.EINVALID, "%s: format %q, want %q", p, doc.Format, FiguresFormat)
	}
	return &doc, raw, nil
}

var embeddedFigures = regexp.MustCompile(`(?s)<script type="application/json" id="vigil-figures">(.*?)</script>`)

// Verify re-derives a report's figures from the proof log: it checks the
// checkpoint's signature, fetches the log up to the checkpoint's size and
// verifies every entry and tile against its root, then counts the leaves
// by type and time for every public figure. With events (an auditor's
// export, JSON Lines of events with their salts), it checks each event's
// commitment against its leaf, that no event the log holds for a
// confidential figure is missing, and recounts the confidential figures
// from the payloads. It also checks that the HTML renderings embed
// exactly report.json.
func Verify(ctx context.Context, dir string, f tlog.Fetcher, v note.Verifier, events io.Reader) (*Result, error) {
	doc, raw, err := ReadDocument(dir)
	if err != nil {
		return nil, err
	}
	if doc.Checkpoint == nil {
		return nil, vigil.Errorf(vigil.EINVALID, "%s has no checkpoint: it was rendered without the proof log and cannot be verified", filepath.Join(dir, FiguresFile))
	}
	cp, err := tlog.ParseCheckpoint([]byte(doc.Checkpoint.Text), v)
	if err != nil {
		return nil, fmt.Errorf("report: the checkpoint in %s does not verify: %w", FiguresFile, err)
	}
	res := &Result{Checkpoint: *doc.Checkpoint}
	for _, c := range []Problem{
		{"checkpoint.origin", doc.Checkpoint.Origin, cp.Origin},
		{"checkpoint.tree_size", fmt.Sprint(doc.Checkpoint.Size), fmt.Sprint(cp.Size)},
		{"checkpoint.root_hash", doc.Checkpoint.RootHash, hex.EncodeToString(cp.Hash)},
	} {
		if c.Expected != c.Found {
			res.Problems = append(res.Problems, c)
		}
	}
	if err := checkEmbedded(dir, raw, res); err != nil {
		return nil, err
	}

	var exported []*vigil.Event
	if events != nil {
		if exported, err = readEvents(events); err != nil {
			return nil, err
		}
	}
	var public, confidential []int
	for i, fig := range doc.Figures {
		switch fig.Kind {
		case KindPublic:
			public = append(public, i)
		case KindConfidential:
			confidential = append(confidential, i)
		}
	}
	defsOf := func(idx []int) []*Definition {
		out := make([]*Definition, len(idx))
		for i, j := range idx {
			out[i] = &doc.Figures[j].Definition
		}
		return out
	}
	pub := newCounter(defsOf(public))
	confDefs := defsOf(confidential)
	wanted := map[uint64]*vigil.Event{}
	for _, ev := range exported {
		if ev.LeafIndex >= 0 && uint64(ev.LeafIndex) < cp.Size {
			wanted[uint64(ev.LeafIndex)] = ev
		}
	}
	leaves := map[uint64][]byte{}
	var needed []uint64 // leaves a confidential figure counts
	var leafErr error
	onLeaf := func(i uint64, data []byte) {
		l, err := tlog.ParseLeaf(data)
		if err != nil {
			leafErr = fmt.Errorf("entry %d: %w", i, err)
			return
		}
		t, _ := time.Parse(time.RFC3339Nano, l.Time) // ParseLeaf checked it
		pub.add(Leaf{Type: l.Type, Time: t})
		for _, d := range confDefs {
			if d.matchesPublic(l.Type, t) {
				needed = append(needed, i)
				break
			}
		}
		if _, ok := wanted[i]; ok {
			leaves[i] = append([]byte(nil), data...)
		}
	}
	pf := &pinnedFetcher{f: f, checkpoint: []byte(doc.Checkpoint.Text), onLeaf: onLeaf}
	if _, err := tlog.Verify(ctx, pf, v); err != nil {
		return nil, fmt.Errorf("report: the log does not verify at the report's checkpoint: %w", err)
	}
	if leafErr != nil {
		return nil, fmt.Errorf("report: %w", leafErr)
	}
	for k, j := range public {
		compare(doc, &doc.Figures[j], pub.counts[k], res)
	}

	if events == nil {
		for _, j := range confidential {
			res.Unchecked = append(res.Unchecked, doc.Figures[j].ID)
		}
	} else {
		valid := checkEvents(exported, wanted, leaves, cp.Size, res)
		have := map[uint64]bool{}
		for _, ev := range valid {
			have[uint64(ev.LeafIndex)] = true
		}
		var missing []uint64
		for _, i := range needed {
			if !have[i] {
				missing = append(missing, i)
			}
		}
		if len(missing) > 0 {
			res.Problems = append(res.Problems, Problem{Figure: "events export",
				Expected: fmt.Sprintf("every event the log holds for the confidential figures (%d)", len(needed)),
				Found:    fmt.Sprintf("%d missing, first at leaf %d", len(missing), missing[0])})
		}
		conf := newCounter(confDefs)
		for _, ev := range valid {
			conf.add(Leaf{Type: ev.Type, Time: ev.Time, Payload: ev.Payload})
		}
		for k, j := range confidential {
			compare(doc, &doc.Figures[j], conf.counts[k], res)
		}
	}
	for _, fig := range doc.Figures {
		if fig.Kind == KindSnapshot {
			res.Unchecked = append(res.Unchecked, fig.ID)
		}
	}
	return res, nil
}

// compare checks one recounted figure against the report.
func compare(doc *Document, fig *Figure, found int64, res *Result) {
	switch {
	case fig.Suppressed == SuppressedSmall:
		if found < 1 || found >= int64(doc.MinCell) {
			res.Problems = append(res.Problems, Problem{fig.ID, fmt.Sprintf("<%d (hidden)", doc.MinCell), fmt.Sprint(found)})
			return
		}
	case fig.Suppressed == SuppressedComplementary:
		res.Unchecked = append(res.Unchecked, fig.ID)
		return
	case fig.Suppressed != "":
		res.Problems = append(res.Problems, Problem{fig.ID, "suppressed " + fig.Suppressed, "an unknown suppression"})
		return
	case fig.Value == nil:
		res.Problems = append(res.Problems, Problem{fig.ID, "no value", fmt.Sprint(found)})
		return
	case *fig.Value != found:
		res.Problems = append(res.Problems, Problem{fig.ID, fmt.Sprint(*fig.Value), fmt.Sprint(found)})
		return
	}
	res.Checked++
}

// checkEmbedded compares the figures each HTML rendering embeds with
// report.json.
func checkEmbedded(dir string, raw []byte, res *Result) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		m := embeddedFigures.FindSubmatch(b)
		switch {
		case m == nil:
			res.Problems = append(res.Problems, Problem{filepath.Base(name), "embedded figures", "none"})
		case !bytes.Equal(m[1], raw):
			res.Problems = append(res.Problems, Problem{filepath.Base(name), "the figures of " + FiguresFile, "different embedded figures"})
		}
	}
	return nil
}

// checkEvents keeps the exported events whose commitment recomputes and
// whose leaf is the log's entry at their index.
func checkEvents(evs []*vigil.Event, wanted map[uint64]*vigil.Event, leaves map[uint64][]byte, size uint64, res *Result) []*vigil.Event {
	var ok []*vigil.Event
	for _, ev := range evs {
		name := "event " + ev.ID
		if ev.LeafIndex < 0 || uint64(ev.LeafIndex) >= size {
			continue // logged after the report's checkpoint: not part of it
		}
		if wanted[uint64(ev.LeafIndex)] != ev {
			res.Problems = append(res.Problems, Problem{name, "one event per leaf", fmt.Sprintf("another event also claims leaf %d", ev.LeafIndex)})
			continue
		}
		if !bytes.Equal(ev.ComputeCommitment(), ev.Commitment) {
			res.Problems = append(res.Problems, Problem{name, "commitment " + hex.EncodeToString(ev.Commitment), "the event and salt hash to " + hex.EncodeToString(ev.ComputeCommitment())})
			continue
		}
		if got, want := leaves[uint64(ev.LeafIndex)], tlog.LeafOf(ev).Marshal(); !bytes.Equal(got, want) {
			res.Problems = append(res.Problems, Problem{name, fmt.Sprintf("log entry %d = %s", ev.LeafIndex, want), string(got)})
			continue
		}
		res.EventsChecked++
		ok = append(ok, ev)
	}
	return ok
}

func readEvents(r io.Reader) ([]*vigil.Event, error) {
	var out []*vigil.Event
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var ev vigil.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return nil, vigil.Errorf(vigil.EINVALID, "events line %d: %v", line, err)
		}
		out = append(out, &ev)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

// pinnedFetcher reads a log as it stood at a given checkpoint: it serves
// that checkpoint instead of the latest, and when the log has grown since,
// cuts the partial tiles and entry bundle the checkpoint implies out of
// the full ones that replaced them. It hands every entry it reads to
// onLeaf; tlog.Verify reads each bundle exactly once.
type pinnedFetcher struct {
	f          tlog.Fetcher
	checkpoint []byte
	onLeaf     func(index uint64, data []byte)
}

func (p *pinnedFetcher) ReadCheckpoint(context.Context) ([]byte, error) { return p.checkpoint, nil }

func (p *pinnedFetcher) ReadTile(ctx context.Context, level, index uint64, w uint8) ([]byte, error) {
	b, err := p.f.ReadTile(ctx, level, index, w)
	if err != nil && w > 0 {
		if b, err = p.f.ReadTile(ctx, level, index, 0); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	// Some fetchers answer a partial tile that is gone with the full one.
	if w > 0 && len(b) > int(w)*32 {
		b = b[:int(w)*32]
	}
	return b, nil
}

func (p *pinnedFetcher) ReadEntryBundle(ctx context.Context, index uint64, w uint8) ([]byte, error) {
	b, err := p.f.ReadEntryBundle(ctx, index, w)
	if err != nil && w > 0 {
		b, err = p.f.ReadEntryBundle(ctx, index, 0)
	}
	if err != nil {
		return nil, err
	}
	if w > 0 {
		// As for tiles, a full bundle may stand in for the partial one.
		if b, err = firstEntries(b, int(w)); err != nil {
			return nil, err
		}
	}
	var bundle api.EntryBundle
	if err := bundle.UnmarshalText(b); err == nil {
		for j, e := range bundle.Entries {
			p.onLeaf(index*tlayout.EntryBundleWidth+uint64(j), e)
		}
	}
	return b, nil
}

// firstEntries cuts the first n entries (2-byte length, then data) out of
// an entry bundle.
func firstEntries(b []byte, n int) ([]byte, error) {
	off := 0
	for i := 0; i < n; i++ {
		if off+2 > len(b) {
			return nil, errors.New("entry bundle shorter than the checkpoint implies")
		}
		off += 2 + int(binary.BigEndian.Uint16(b[off:]))
		if off > len(b) {
			return nil, errors.New("entry bundle shorter than the checkpoint implies")
		}
	}
	return b[:off], nil
}

// ConfidentialTypes are the event types the confidential figures of a
// period read, which an auditor's export must hold.
func ConfidentialTypes(p Period) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range eventFigures(p, p.Previous(), nil) {
		if f.Kind != KindConfidential {
			continue
		}
		for _, t := range f.Definition.Types {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	// The breakdowns by country and sector count the approved decisions.
	for _, t := range vigil.DecisionTypes {
		if ty := vigil.DecisionEventType(t, vigil.DecisionStepApproved); !seen[ty] {
			seen[ty] = true
			out = append(out, ty)
		}
	}
	sort.Strings(out)
	return out
}

// ExportEvents writes, as JSON Lines, every logged event an auditor needs
// to re-derive the confidential figures of the period and the one before:
// the events with their salts. It reveals the events' content: hand the
// file only to whom may see it. It returns how many it wrote.
func ExportEvents(ctx context.Context, s interface {
	ListEvents(ctx context.Context, after int64, limit int) ([]*vigil.Event, error)
}, p Period, w io.Writer) (int, error) {
	types := map[string]bool{}
	for _, t := range ConfidentialTypes(p) {
		types[t] = true
	}
	from, to := p.Previous().From, p.To
	bw := bufio.NewWriter(w)
	n := 0
	var after int64
	for {
		page, err := s.ListEvents(ctx, after, 1000)
		if err != nil {
			return n, fmt.Errorf("export events: %w", err)
		}
		for _, ev := range page {
			if ev.LeafIndex < 0 || !types[ev.Type] || ev.Time.Before(from) || !ev.Time.Before(to) {
				continue
			}
			b, err := json.Marshal(ev)
			if err != nil {
				return n, fmt.Errorf("export event %s: %w", ev.ID, err)
			}
			bw.Write(b)
			bw.WriteByte('\n')
			n++
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Seq
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export events: %w", err)
	}
	return n, nil
}

// ParseCheckpointText reads the origin, size and root hash from a signed
// checkpoint without checking its signature; Verify checks it.
func ParseCheckpointText(raw []byte) (*Checkpoint, error) {
	lines := strings.SplitN(string(raw), "\n", 4)
	if len(lines) < 4 {
		return nil, errors.New("checkpoint: too short")
	}
	var size uint64
	if _, err := fmt.Sscan(lines[1], &size); err != nil {
		return nil, fmt.Errorf("checkpoint: size %q: %w", lines[1], err)
	}
	hash, err := decodeBase64(lines[2])
	if err != nil || len(hash) != 32 {
		return nil, fmt.Errorf("checkpoint: root hash %q is not 32 base64 bytes", lines[2])
	}
	return &Checkpoint{Origin: lines[0], Size: size, RootHash: hex.EncodeToString(hash), Text: string(raw)}, nil
}
