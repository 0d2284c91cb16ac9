package screen

import "hash/maphash"

// keyTable maps 64-bit hashes of phonetic keys (and of their one-letter
// deletions) to vocabulary ids. It replaces a Go map of slices: lookup
// probes it once per letter of every query word, and most probes miss, so
// a miss must cost one or two reads of one flat array rather than a map
// probe plus a slice header; the ids of all keys sit back to back in one
// array instead of one small allocation per key.
//
// Open addressing with linear probing; a slot whose hash is 0 is empty (a
// key hashing to 0 is stored as 1: two keys sharing a hash only merge
// their candidates, which the scorer then scores exactly, as with any
// 64-bit hash collision).
type keyTable struct {
	slots []keySlot
	ids   []uint32
	mask  uint64
	used  int
}

type keySlot struct {
	h   uint64
	off uint32
	n   uint32
}

func fixHash(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// count notes one more id under hash h (the first pass of building).
func (t *keyTable) count(h uint64) {
	if t.used+1 > len(t.slots)/2 {
		t.grow()
	}
	h = fixHash(h)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.h == h {
			s.n++
			return
		}
		if s.h == 0 {
			s.h, s.n = h, 1
			t.used++
			return
		}
	}
}

func (t *keyTable) grow() {
	old := t.slots
	n := max(2*len(old), 1024)
	t.slots, t.mask = make([]keySlot, n), uint64(n-1)
	for _, s := range old {
		if s.h == 0 {
			continue
		}
		for i := s.h & t.mask; ; i = (i + 1) & t.mask {
			if t.slots[i].h == 0 {
				t.slots[i] = s
				break
			}
		}
	}
}

// layout gives every key its run of the id array, once counting is done.
func (t *keyTable) layout() {
	off := uint32(0)
	for i := range t.slots {
		s := &t.slots[i]
		s.off = off
		off += s.n
		s.n = 0
	}
	t.ids = make([]uint32, off)
}

// add appends id under hash h (the second pass, in the order ids are to
// be read back).
func (t *keyTable) add(h uint64, id uint32) {
	s := t.find(fixHash(h))
	t.ids[s.off+s.n] = id
	s.n++
}

func (t *keyTable) find(h uint64) *keySlot {
	if len(t.slots) == 0 {
		return nil
	}
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.h == h {
			return s
		}
		if s.h == 0 {
			return nil
		}
	}
}

// warm reads the home slot of each hash, so that the lookups that follow
// find them in cache; it returns a value only so the reads are kept.
func (t *keyTable) warm(hs []uint64) uint32 {
	if len(t.slots) == 0 {
		return 0
	}
	var sink uint32
	for _, h := range hs {
		sink += t.slots[fixHash(h)&t.mask].n
	}
	return sink
}

// get returns the ids stored under hash h.
func (t *keyTable) get(h uint64) []uint32 {
	s := t.find(fixHash(h))
	if s == nil {
		return nil
	}
	return t.ids[s.off : s.off+s.n : s.off+s.n]
}

// keyHashes calls f with the hash of a word's phonetic key (del false)
// and of each one-letter deletion of it (del true), in the order lookup
// expects; buf is scratch space.
func keyHashes(seed maphash.Seed, key string, buf []string, f func(h uint64, del bool)) []string {
	f(maphash.String(seed, key), false)
	buf = deletes(key, buf[:0])
	for _, d := range buf {
		f(maphash.String(seed, d), true)
	}
	return buf
}
