package tlog_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/vigil-hrdd/vigil/tlog"
	"golang.org/x/mod/sumdb/note"
)

// tamperLog is a real log, built through the relay from a real store, that
// the tamper test damages in every way the issue lists.
type tamperLog struct {
	t       *testing.T
	work    string            // the directory verify reads
	orig    map[string][]byte // every published file of the intact log
	bundles []string          // entry bundle paths in order
	tiles   []string          // hash tile paths
	entries [][]byte          // all entries in order
	v       note.Verifier
	f       tlog.Fetcher
}

func buildTamperLog(t *testing.T, n int) *tamperLog {
	ctx := context.Background()
	dir := t.TempDir()
	store := mustOpenStore(t, filepath.Join(dir, "vigil.db"))
	signer := mustSigner(t)
	l := mustOpenLog(t, filepath.Join(dir, "log"), signer)
	relay := tlog.NewRelay(store, l, tlog.RelayConfig{Logger: quietLogger()})
	for i := range n {
		if err := relay.Record(ctx, mustEvent(t, i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := relay.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	tl := &tamperLog{t: t, work: t.TempDir(), orig: map[string][]byte{}, v: mustVerifier(t, signer)}
	copyDir(t, l.Dir(), tl.work)
	tl.f, _ = tlog.NewFetcher(tl.work, nil)
	rep, err := tlog.Verify(ctx, tl.f, tl.v)
	if err != nil || rep.Size != uint64(n) {
		t.Fatalf("intact log: Verify = %+v, %v", rep, err)
	}
	err = filepath.WalkDir(tl.work, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(tl.work, p)
		b, err := os.ReadFile(p)
		tl.orig[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range tl.orig {
		switch {
		case strings.HasPrefix(p, "tile/entries/"):
			tl.bundles = append(tl.bundles, p)
		case strings.HasPrefix(p, "tile/"):
			tl.tiles = append(tl.tiles, p)
		}
	}
	sort.Strings(tl.bundles)
	sort.Strings(tl.tiles)
	for _, p := range tl.bundles {
		var b api.EntryBundle
		if err := b.UnmarshalText(tl.orig[p]); err != nil {
			t.Fatal(err)
		}
		tl.entries = append(tl.entries, b.Entries...)
	}
	if len(tl.entries) != n {
		t.Fatalf("read %d entries, want %d", len(tl.entries), n)
	}
	return tl
}

// memFetcher serves the log's files from memory with the changed ones laid
// over them, so that the tens of thousands of damaged logs below cost no
// disk writes; onDisk checks that the same damage is caught from files.
type memFetcher struct {
	orig, changed map[string][]byte
}

func (m memFetcher) get(p string) ([]byte, error) {
	if b, ok := m.changed[p]; ok {
		return b, nil
	}
	if b, ok := m.orig[p]; ok {
		return b, nil
	}
	return nil, os.ErrNotExist
}

func (m memFetcher) ReadCheckpoint(context.Context) ([]byte, error) { return m.get("checkpoint") }

func (m memFetcher) ReadTile(_ context.Context, l, i uint64, p uint8) ([]byte, error) {
	b, err := m.get(layout.TilePath(l, i, p))
	if err != nil && p > 0 {
		return m.get(layout.TilePath(l, i, 0))
	}
	return b, err
}

func (m memFetcher) ReadEntryBundle(_ context.Context, i uint64, p uint8) ([]byte, error) {
	b, err := m.get(layout.EntriesPath(i, p))
	if err != nil && p > 0 {
		return m.get(layout.EntriesPath(i, 0))
	}
	return b, err
}

// detected reports whether Verify fails on the log with changed files.
func (tl *tamperLog) detected(changed map[string][]byte) bool {
	tl.t.Helper()
	_, err := tlog.Verify(context.Background(), memFetcher{tl.orig, changed}, tl.v)
	return err != nil
}

// detectedOnDisk is detected through real files in a directory.
func (tl *tamperLog) detectedOnDisk(changed map[string][]byte) bool {
	tl.t.Helper()
	for p, b := range changed {
		if err := os.WriteFile(filepath.Join(tl.work, p), b, 0o644); err != nil {
			tl.t.Fatal(err)
		}
	}
	_, err := tlog.Verify(context.Background(), tl.f, tl.v)
	for p := range changed {
		if err := os.WriteFile(filepath.Join(tl.work, p), tl.orig[p], 0o644); err != nil {
			tl.t.Fatal(err)
		}
	}
	return err != nil
}

// rewrite lays entries out over the original bundle files, as an attacker
// editing the published files in place would.
func (tl *tamperLog) rewrite(entries [][]byte) map[string][]byte {
	out := map[string][]byte{}
	for i, p := range tl.bundles {
		lo := min(i*256, len(entries))
		hi := min(lo+256, len(entries))
		if i == len(tl.bundles)-1 {
			hi = len(entries)
		}
		var buf bytes.Buffer
		for _, e := range entries[lo:hi] {
			buf.Write(binary.BigEndian.AppendUint16(nil, uint16(len(e))))
			buf.Write(e)
		}
		out[p] = buf.Bytes()
	}
	return out
}

func forgedLeaf(i int) []byte {
	return tlog.Leaf{Version: 1, Commitment: fmt.Sprintf("%064x", i+1), Type: "test.recorded", Time: "2026-11-30T00:00:00Z"}.Marshal()
}

func TestVerifyDetectsEveryTampering(t *testing.T) {
	// 300 entries: a full and a partial bundle, two level-0 tiles and a
	// level-1 tile, so every kind of file is covered.
	tl := buildTamperLog(t, 300)
	n := len(tl.entries)
	clone := func() [][]byte { return append([][]byte(nil), tl.entries...) }

	t.Run("change", func(t *testing.T) {
		for i := range n {
			e := clone()
			e[i] = forgedLeaf(i)
			if !tl.detected(tl.rewrite(e)) {
				t.Fatalf("replacing entry %d not detected", i)
			}
			e = clone()
			flipped := bytes.Clone(e[i])
			flipped[len(flipped)/2] ^= 1
			e[i] = flipped
			if !tl.detected(tl.rewrite(e)) {
				t.Fatalf("flipping a byte of entry %d not detected", i)
			}
		}
	})
	t.Run("remove", func(t *testing.T) {
		for i := range n {
			e := clone()
			e = append(e[:i], e[i+1:]...)
			if !tl.detected(tl.rewrite(e)) {
				t.Fatalf("removing entry %d not detected", i)
			}
		}
	})
	t.Run("reorder", func(t *testing.T) {
		for i := range n - 1 {
			e := clone()
			e[i], e[i+1] = e[i+1], e[i]
			if !tl.detected(tl.rewrite(e)) {
				t.Fatalf("swapping entries %d and %d not detected", i, i+1)
			}
		}
		e := clone()
		e[0], e[n-1] = e[n-1], e[0]
		if !tl.detected(tl.rewrite(e)) {
			t.Fatal("swapping the first and last entries not detected")
		}
	})
	t.Run("insert", func(t *testing.T) {
		for i := range n + 1 {
			e := clone()
			e = append(e[:i], append([][]byte{forgedLeaf(i)}, e[i:]...)...)
			if !tl.detected(tl.rewrite(e)) {
				t.Fatalf("inserting an entry at %d not detected", i)
			}
			// A copy of an existing entry is no better than a forged one.
			e = clone()
			e = append(e[:i], append([][]byte{tl.entries[(i+1)%n]}, e[i:]...)...)
			if !tl.detected(tl.rewrite(e)) {
				t.Fatalf("duplicating an entry at %d not detected", i)
			}
		}
	})
	t.Run("tile bytes", func(t *testing.T) {
		for _, p := range tl.tiles {
			for off := range tl.orig[p] {
				b := bytes.Clone(tl.orig[p])
				b[off] ^= 0x01
				if !tl.detected(map[string][]byte{p: b}) {
					t.Fatalf("flipping byte %d of %s not detected", off, p)
				}
			}
			if !tl.detected(map[string][]byte{p: tl.orig[p][:len(tl.orig[p])-32]}) {
				t.Fatalf("truncating %s not detected", p)
			}
			if !tl.detected(map[string][]byte{p: append(bytes.Clone(tl.orig[p]), make([]byte, 32)...)}) {
				t.Fatalf("extending %s not detected", p)
			}
		}
	})
	t.Run("bundle bytes", func(t *testing.T) {
		// Every byte of the partial bundle and of the first 8 entries of
		// the full one; entry-level damage to all entries is covered above.
		for _, p := range tl.bundles {
			limit := len(tl.orig[p])
			if !strings.Contains(p, ".p/") {
				limit = min(limit, 8*len(tl.entries[0]))
			}
			for off := range limit {
				b := bytes.Clone(tl.orig[p])
				b[off] ^= 0x01
				if !tl.detected(map[string][]byte{p: b}) {
					t.Fatalf("flipping byte %d of %s not detected", off, p)
				}
			}
		}
	})
	t.Run("on disk", func(t *testing.T) {
		e := append([][]byte(nil), tl.entries...)
		e[3], e[4] = e[4], e[3]
		if !tl.detectedOnDisk(tl.rewrite(e)) {
			t.Fatal("reordering on disk not detected")
		}
		b := bytes.Clone(tl.orig[tl.tiles[0]])
		b[100] ^= 1
		if !tl.detectedOnDisk(map[string][]byte{tl.tiles[0]: b}) {
			t.Fatal("a tile byte on disk not detected")
		}
		if tl.detectedOnDisk(nil) {
			t.Fatal("the restored log no longer verifies")
		}
	})
	t.Run("checkpoint", func(t *testing.T) {
		cp := string(tl.orig["checkpoint"])
		lines := strings.SplitN(cp, "\n", 4)
		for i := 1; i <= 2; i++ { // the size and root hash lines
			l := bytes.Clone([]byte(lines[i]))
			l[len(l)/2] ^= 0x01
			forged := strings.Join(append(append(append([]string{}, lines[:i]...), string(l)), lines[i+1:]...), "\n")
			if !tl.detected(map[string][]byte{"checkpoint": []byte(forged)}) {
				t.Fatalf("changing checkpoint line %d not detected", i)
			}
		}
	})
}

func TestVerifyDetectsRebuiltTilesUnderOldCheckpoint(t *testing.T) {
	// The strongest attack without the key: rewrite the entries and rebuild
	// every tile consistently with them, keeping the signed checkpoint.
	ctx := context.Background()
	tl := buildTamperLog(t, 300)
	e := append([][]byte(nil), tl.entries...)
	e[7] = forgedLeaf(7)
	forged := mustOpenLog(t, t.TempDir(), mustSigner(t))
	var last uint64
	for _, data := range e {
		idx, err := forged.Add(ctx, data)()
		if err != nil {
			t.Fatal(err)
		}
		last = idx.Index
	}
	if _, err := forged.AwaitCheckpoint(ctx, last+1); err != nil {
		t.Fatal(err)
	}
	changed := map[string][]byte{}
	for p := range tl.orig {
		if p == "checkpoint" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(forged.Dir(), p))
		if err != nil {
			t.Fatal(err)
		}
		changed[p] = b
	}
	if !tl.detected(changed) {
		t.Fatal("entries with rebuilt tiles under the old checkpoint not detected")
	}
}
