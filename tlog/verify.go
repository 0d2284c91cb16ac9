package tlog

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"github.com/vigil-hrdd/vigil"
	"golang.org/x/mod/sumdb/note"
)

// Fetcher reads a published log: the three resources of C2SP tlog-tiles.
type Fetcher interface {
	ReadCheckpoint(ctx context.Context) ([]byte, error)
	ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error)
	ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error)
}

// NewFetcher reads a log from an http(s) URL (its /log/ root) or from a
// directory, such as a copy an auditor made of the published files.
func NewFetcher(urlOrDir string, hc *http.Client) (Fetcher, error) {
	if strings.HasPrefix(urlOrDir, "http://") || strings.HasPrefix(urlOrDir, "https://") {
		u, err := url.Parse(urlOrDir)
		if err != nil {
			return nil, fmt.Errorf("log url: %w", err)
		}
		f, err := client.NewHTTPFetcher(u, hc)
		if err != nil {
			return nil, fmt.Errorf("log url: %w", err)
		}
		return f, nil
	}
	return client.FileFetcher{Root: urlOrDir}, nil
}

// Report is what Verify checked.
type Report struct {
	Origin     string `json:"origin"`
	Size       uint64 `json:"size"`
	RootHash   string `json:"root_hash"`
	Bundles    int    `json:"entry_bundles"`
	Tiles      int    `json:"tiles"`
	Checkpoint string `json:"checkpoint"`
}

// Verify checks a whole log against its latest checkpoint: the checkpoint's
// signature by v, every entry bundle (each entry a canonical Vigil leaf, the
// right count in every bundle), every hash tile byte for byte against the
// hashes recomputed from the entries, and the root hash recomputed from all
// entries. Any changed, removed, reordered or inserted entry and any changed
// tile byte makes it fail. It streams, holding one tile per level.
func Verify(ctx context.Context, f Fetcher, v note.Verifier) (*Report, error) {
	cp, raw, _, err := client.FetchCheckpoint(ctx, f.ReadCheckpoint, v, v.Name())
	if err != nil {
		return nil, fmt.Errorf("verify: checkpoint: %w", err)
	}
	rep := &Report{Origin: cp.Origin, Size: cp.Size, RootHash: hex.EncodeToString(cp.Hash), Checkpoint: string(raw)}
	// The right edge (partial bundle and tiles) is read first: a live log
	// replaces partial files once they fill up, and reading them last
	// would race with that on a long verification.
	edgeTiles := map[uint64][]byte{}
	for level := uint64(0); cp.Size>>(8*level) > 0; level++ {
		if w := uint8((cp.Size >> (8 * level)) % layout.TileWidth); w > 0 {
			t, err := f.ReadTile(ctx, level, (cp.Size>>(8*level))/layout.TileWidth, w)
			if err != nil {
				return nil, fmt.Errorf("verify: tile %s: %w", layout.TilePath(level, (cp.Size>>(8*level))/layout.TileWidth, w), err)
			}
			edgeTiles[level] = t
		}
	}
	var edgeBundle []byte
	if w := uint8(cp.Size % layout.EntryBundleWidth); w > 0 {
		if edgeBundle, err = f.ReadEntryBundle(ctx, cp.Size/layout.EntryBundleWidth, w); err != nil {
			return nil, fmt.Errorf("verify: entry bundle %s: %w", layout.EntriesPath(cp.Size/layout.EntryBundleWidth, w), err)
		}
	}
	rng := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewEmptyRange(0)
	var levels [][]byte // levels[L] is the concatenated hashes of the current tile at level L
	var next []uint64   // next[L] is the index of that tile
	checkTile := func(level uint64, partial uint8) error {
		want := levels[level]
		got, ok := edgeTiles[level], partial > 0
		var err error
		if !ok {
			got, err = f.ReadTile(ctx, level, next[level], partial)
		}
		if err != nil {
			return fmt.Errorf("verify: tile %s: %w", layout.TilePath(level, next[level], partial), err)
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("verify: tile %s does not match the entries", layout.TilePath(level, next[level], partial))
		}
		rep.Tiles++
		return nil
	}
	var push func(level uint64, h []byte) error
	push = func(level uint64, h []byte) error {
		if uint64(len(levels)) == level {
			levels = append(levels, make([]byte, 0, layout.TileWidth*32))
			next = append(next, 0)
		}
		levels[level] = append(levels[level], h...)
		if len(levels[level]) < layout.TileWidth*32 {
			return nil
		}
		if err := checkTile(level, 0); err != nil {
			return err
		}
		root := subtreeRoot(levels[level])
		levels[level] = levels[level][:0]
		next[level]++
		return push(level+1, root)
	}
	for ri := range layout.Range(0, cp.Size, cp.Size) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		path := layout.EntriesPath(ri.Index, ri.Partial)
		raw, err := edgeBundle, error(nil)
		if ri.Partial == 0 {
			raw, err = f.ReadEntryBundle(ctx, ri.Index, ri.Partial)
		}
		if err != nil {
			return nil, fmt.Errorf("verify: entry bundle %s: %w", path, err)
		}
		var b api.EntryBundle
		if err := b.UnmarshalText(raw); err != nil {
			return nil, fmt.Errorf("verify: entry bundle %s: %w", path, err)
		}
		if uint(len(b.Entries)) != ri.N {
			return nil, fmt.Errorf("verify: entry bundle %s holds %d entries, the checkpoint implies %d", path, len(b.Entries), ri.N)
		}
		for j, e := range b.Entries {
			i := ri.Index*layout.EntryBundleWidth + uint64(j)
			if _, err := ParseLeaf(e); err != nil {
				return nil, fmt.Errorf("verify: entry %d: %w", i, err)
			}
			h := LeafHash(e)
			if err := rng.Append(h, nil); err != nil {
				return nil, fmt.Errorf("verify: entry %d: %w", i, err)
			}
			if err := push(0, h); err != nil {
				return nil, err
			}
		}
		rep.Bundles++
	}
	// The right edge: partial tiles, whose widths the checkpoint size fixes.
	for level := range levels {
		if n := len(levels[level]) / 32; n > 0 {
			if err := checkTile(uint64(level), uint8(n)); err != nil {
				return nil, err
			}
		}
	}
	root, err := rng.GetRootHash(nil)
	if err != nil {
		return nil, fmt.Errorf("verify: root: %w", err)
	}
	if cp.Size == 0 {
		root = rfc6962.DefaultHasher.EmptyRoot()
	}
	if !bytes.Equal(root, cp.Hash) {
		return nil, fmt.Errorf("verify: root hash recomputed from the entries is %x, the checkpoint says %x", root, cp.Hash)
	}
	return rep, nil
}

// subtreeRoot hashes a full tile's 256 nodes up to the one node the tile
// above holds for it.
func subtreeRoot(hashes []byte) []byte {
	nodes := make([][]byte, 0, len(hashes)/32)
	for i := 0; i < len(hashes); i += 32 {
		nodes = append(nodes, hashes[i:i+32])
	}
	for len(nodes) > 1 {
		for i := 0; i < len(nodes)/2; i++ {
			nodes[i] = rfc6962.DefaultHasher.HashChildren(nodes[2*i], nodes[2*i+1])
		}
		nodes = nodes[:len(nodes)/2]
	}
	return nodes[0]
}

// ProofFormat names the version of ProofBundle.
const ProofFormat = "vigil-inclusion-proof/v1"

// ProofBundle is everything an auditor needs to check, offline, that an
// event is in the log: the event with its salt (which recompute the
// commitment), the log entry, its index, the inclusion proof and the signed
// checkpoint the proof leads to.
type ProofBundle struct {
	Format string       `json:"format"`
	Event  *vigil.Event `json:"event"`
	// CanonicalEvent is the exact encoding the commitment covers, so that
	// a verifier in any language hashes bytes instead of re-encoding JSON:
	// commitment = SHA-256("vigil-event-v1\n" || CanonicalEvent || "\n" || salt).
	CanonicalEvent string   `json:"canonical_event"`
	Leaf           string   `json:"leaf"`
	LeafIndex      uint64   `json:"leaf_index"`
	TreeSize       uint64   `json:"tree_size"`
	Proof          [][]byte `json:"inclusion_proof"`
	Checkpoint     string   `json:"checkpoint"`
}

// ErrNotYetLogged means an event is in the outbox but not yet covered by a
// published checkpoint; asking again shortly will succeed.
var ErrNotYetLogged = errors.New("event not yet covered by a published checkpoint")

// Prove builds the inclusion proof bundle of a logged event against the
// log's latest checkpoint.
func Prove(ctx context.Context, f Fetcher, v note.Verifier, ev *vigil.Event) (*ProofBundle, error) {
	cp, raw, _, err := client.FetchCheckpoint(ctx, f.ReadCheckpoint, v, v.Name())
	if err != nil {
		return nil, fmt.Errorf("prove %s: checkpoint: %w", ev.ID, err)
	}
	if ev.LeafIndex < 0 || uint64(ev.LeafIndex) >= cp.Size {
		return nil, fmt.Errorf("prove %s: %w", ev.ID, ErrNotYetLogged)
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, f.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("prove %s: %w", ev.ID, err)
	}
	p, err := pb.InclusionProof(ctx, uint64(ev.LeafIndex))
	if err != nil {
		return nil, fmt.Errorf("prove %s: %w", ev.ID, err)
	}
	return &ProofBundle{
		Format:         ProofFormat,
		Event:          ev,
		CanonicalEvent: string(ev.CanonicalBytes()),
		Leaf:           string(LeafOf(ev).Marshal()),
		LeafIndex:      uint64(ev.LeafIndex),
		TreeSize:       cp.Size,
		Proof:          p,
		Checkpoint:     string(raw),
	}, nil
}

// Check verifies a proof bundle offline: the checkpoint's signature, that
// the event and salt recompute the commitment, that the leaf encodes that
// commitment with the event's type and time, and that the inclusion proof
// leads from the leaf to the checkpoint's root. It returns the checkpoint.
func Check(b *ProofBundle, v note.Verifier) (*log.Checkpoint, error) {
	if b.Format != ProofFormat {
		return nil, fmt.Errorf("check proof: unknown format %q", b.Format)
	}
	if b.Event == nil {
		return nil, errors.New("check proof: no event")
	}
	cp, _, _, err := log.ParseCheckpoint([]byte(b.Checkpoint), v.Name(), v)
	if err != nil {
		return nil, fmt.Errorf("check proof: checkpoint: %w", err)
	}
	if cp.Size != b.TreeSize {
		return nil, fmt.Errorf("check proof: bundle says tree size %d, checkpoint %d", b.TreeSize, cp.Size)
	}
	if string(b.Event.CanonicalBytes()) != b.CanonicalEvent {
		return nil, errors.New("check proof: canonical_event is not the event's canonical encoding")
	}
	if !bytes.Equal(b.Event.ComputeCommitment(), b.Event.Commitment) {
		return nil, errors.New("check proof: the event and salt do not recompute the commitment")
	}
	leaf := LeafOf(b.Event).Marshal()
	if string(leaf) != b.Leaf {
		return nil, fmt.Errorf("check proof: leaf %q does not encode the event (%q)", b.Leaf, leaf)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, b.LeafIndex, cp.Size, LeafHash(leaf), b.Proof, cp.Hash); err != nil {
		return nil, fmt.Errorf("check proof: inclusion: %w", err)
	}
	return cp, nil
}

// ConsistencyProof proves that the log at the older checkpoint is a prefix
// of the log at the newer one.
type ConsistencyProof struct {
	Old   string   `json:"old_checkpoint"`
	New   string   `json:"new_checkpoint"`
	Proof [][]byte `json:"consistency_proof"`
}

// ProveConsistency builds the consistency proof between two checkpoints of
// the log f serves; both must verify under v.
func ProveConsistency(ctx context.Context, f Fetcher, v note.Verifier, oldRaw, newRaw []byte) (*ConsistencyProof, error) {
	oldCP, newCP, err := parsePair(v, oldRaw, newRaw)
	if err != nil {
		return nil, err
	}
	pb, err := client.NewProofBuilder(ctx, newCP.Size, f.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("consistency: %w", err)
	}
	var p [][]byte
	if oldCP.Size > 0 {
		if p, err = pb.ConsistencyProof(ctx, oldCP.Size, newCP.Size); err != nil {
			return nil, fmt.Errorf("consistency: %w", err)
		}
	}
	cp := &ConsistencyProof{Old: string(oldRaw), New: string(newRaw), Proof: p}
	if err := CheckConsistency(v, cp); err != nil {
		return nil, err
	}
	return cp, nil
}

// CheckConsistency verifies a consistency proof offline.
func CheckConsistency(v note.Verifier, c *ConsistencyProof) error {
	oldCP, newCP, err := parsePair(v, []byte(c.Old), []byte(c.New))
	if err != nil {
		return err
	}
	if oldCP.Size == 0 {
		return nil // the empty log is a prefix of every log
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, oldCP.Size, newCP.Size, c.Proof, oldCP.Hash, newCP.Hash); err != nil {
		return fmt.Errorf("consistency: the old checkpoint is not a prefix of the new one: %w", err)
	}
	return nil
}

func parsePair(v note.Verifier, oldRaw, newRaw []byte) (*log.Checkpoint, *log.Checkpoint, error) {
	oldCP, _, _, err := log.ParseCheckpoint(oldRaw, v.Name(), v)
	if err != nil {
		return nil, nil, fmt.Errorf("consistency: old checkpoint: %w", err)
	}
	newCP, _, _, err := log.ParseCheckpoint(newRaw, v.Name(), v)
	if err != nil {
		return nil, nil, fmt.Errorf("consistency: new checkpoint: %w", err)
	}
	if oldCP.Size > newCP.Size {
		return nil, nil, fmt.Errorf("consistency: old checkpoint (size %d) is larger than the new one (size %d)", oldCP.Size, newCP.Size)
	}
	return oldCP, newCP, nil
}

// ParseCheckpoint opens a signed checkpoint with v.
func ParseCheckpoint(raw []byte, v note.Verifier) (*log.Checkpoint, error) {
	cp, _, _, err := log.ParseCheckpoint(raw, v.Name(), v)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return cp, nil
}

// Mirror copies a log into dir while verifying it, so that an auditor holds
// a verified copy of exactly what the checkpoint commits to, in the same
// layout (verify it again later with NewFetcher(dir)). The checkpoint is
// written last, and only when everything verified, so an interrupted or
// failed mirror is never mistaken for a complete one.
func Mirror(ctx context.Context, f Fetcher, v note.Verifier, dir string) (*Report, error) {
	rep, err := Verify(ctx, teeFetcher{f: f, dir: dir}, v)
	if err != nil {
		return nil, err
	}
	if err := writeFile(dir, layout.CheckpointPath, []byte(rep.Checkpoint)); err != nil {
		return nil, fmt.Errorf("mirror: %w", err)
	}
	return rep, nil
}

// teeFetcher saves every tile and bundle it reads under the path it was
// asked for.
type teeFetcher struct {
	f   Fetcher
	dir string
}

func (t teeFetcher) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	return t.f.ReadCheckpoint(ctx)
}

func (t teeFetcher) ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	b, err := t.f.ReadTile(ctx, level, index, p)
	if err != nil {
		return nil, err
	}
	return b, writeFile(t.dir, layout.TilePath(level, index, p), b)
}

func (t teeFetcher) ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error) {
	b, err := t.f.ReadEntryBundle(ctx, index, p)
	if err != nil {
		return nil, err
	}
	return b, writeFile(t.dir, layout.EntriesPath(index, p), b)
}

func writeFile(dir, rel string, b []byte) error {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return nil
}
