package screen

import (
	"hash/maphash"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Options configures an Index.
type Options struct {
	Config Config
	// Workers analyses names in parallel while building (default: all
	// cores).
	Workers int
}

// vocabEntry is one distinct token of the indexed names. Names refer to
// tokens by their vocabulary id, so a million entities share one copy of
// "company" and of its keys.
type vocabEntry struct {
	tok  Token
	w    float64 // weight in a name: kind, initial/patronymic, rarity
	rare float64 // rarity factor in [0.35, 1]
	df   uint32  // names containing the token
	// Pads the entry to three cache lines, so that every token's first
	// line holds what comparing it reads first (see Token); the array is
	// a large allocation, which starts on a page boundary.
	_ [vocabPad]byte
}

const vocabPad = 28

type iname struct {
	ent     uint32
	nameIdx int32 // index in Entity.Names; -1 for a derived acronym
	off     uint32
	n       uint16
	nums    uint8 // number tokens (capped at 255)
	kind    uint8 // index in Index.kinds
}

// Index finds and scores listed entities for a query. It is built once
// and then only read, so any number of goroutines may call Screen at once.
type Index struct {
	cfg   Config
	ents  []Entity
	names []iname
	nameW []float32 // sum of token weights per name, to rank by coverage (kept apart for cache locality)
	arena []uint32  // token ids of all names, back to back
	// Weight and rarity of each arena token, copied from the vocabulary
	// so that scoring a candidate name reads three adjacent runs instead
	// of one vocabulary entry per token.
	arenaW    []float64
	arenaRare []float64
	kinds     []string // distinct Name.Kind values ("acronym" included)
	vocab     []vocabEntry
	// Names containing each vocabulary token (see postings).
	postOff []uint32
	postIDs []uint32

	byText map[string][]uint32 // romanised text -> vocab ids (any kind)
	// byKey maps a phonetic key to the word vocabulary ids with that key
	// and, flagged with delBit, to those with that key after deleting
	// one letter: one map serves exact and one-edit lookups.
	//
	// Keys are 64-bit hashes of the key text: a probe then compares two
	// integers instead of following a string pointer to compare bytes,
	// which matters for the one-edit probes (one per letter of each query
	// word). Two keys with one hash would only merge their candidates,
	// which the scorer then scores exactly.
	byKey       keyTable
	seed        maphash.Seed
	bySkel      map[string][]uint32 // skeleton -> word vocab ids
	byAbjadSkel map[string][]uint32 // skeleton -> Arabic/Hebrew-script vocab ids
	byConcept   map[uint16][]uint32 // dictionary concept -> vocab ids

	pool sync.Pool
}

type scratch struct {
	ev      []evidence // per name, its fields read together
	touched []uint32
	vocab   []vocabSeen // per vocabulary token, for retrieval
	epoch   uint32
	hits    []hit
	order   []uint64 // hits sorted by document frequency: df<<32 | index
	buf     []byte
	probes  []uint64 // hashes of a query token's key and its deletions
	sink    uint32   // keeps the warming reads (warmCandidates) from being dropped
	cands   []cand
	anames  []aname // reused per candidate name
	best    []best
	sims    simCache
}

// vocabSeen is what retrieval reads for each vocabulary token it meets:
// the epoch of the query word's lookup that last met it (so that a word
// adds each token once), and, copied from the index when the scratch is
// made, the token's document frequency, with numberFlag set for a number.
// One record rather than three arrays: a lookup meets tokens at random.
type vocabSeen struct {
	epoch uint32
	df    uint32
}

const numberFlag = 1 << 31

// evidence is what one query has gathered for one name: the weight
// accumulated, and the query tokens that already added to it; and,
// copied from the index when the scratch is made, the name's weight sum
// (nameW), which ranking a touched name reads next to its evidence
// rather than from a second array.
type evidence struct {
	acc   float32
	seen  uint32
	nameW float32
}

type hit struct {
	v   uint32
	df  uint32
	w   float32
	tok uint8 // query token (bit index in scratch.seen)
}

// vkey identifies a vocabulary token without building a string.
type vkey struct {
	text  string
	kind  TokenKind
	abjad bool
}

// NewIndex analyses every name and alias of the entities (and derives
// acronyms of organisation names) and builds the candidate index.
func NewIndex(entities []Entity, opts Options) *Index {
	cfg := opts.Config.withDefaults()
	ix := &Index{cfg: cfg, ents: entities,
		byText: map[string][]uint32{}, seed: maphash.MakeSeed(),
		bySkel: map[string][]uint32{}, byAbjadSkel: map[string][]uint32{}, byConcept: map[uint16][]uint32{}}
	getDict()
	countryWord("")
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Analyse a batch in parallel, then intern it sequentially (ids stay
	// deterministic) and drop the analysed tokens before the next batch,
	// so peak memory does not hold every token of every name at once.
	const batch = 1 << 15
	vocabID := make(map[vkey]uint32, len(entities)/2)
	kindID := map[string]uint8{}
	var seen []uint32 // per vocab: last name id that counted it (+1)
	res := make([][]analysed, batch)
	for lo := 0; lo < len(entities); lo += batch {
		hi := min(lo+batch, len(entities))
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := lo + w; i < hi; i += workers {
					res[i-lo] = analyseEntity(&entities[i])
				}
			}(w)
		}
		wg.Wait()
		for i := lo; i < hi; i++ {
			ent := uint32(i)
			for _, a := range res[i-lo] {
				nid := uint32(len(ix.names))
				off := uint32(len(ix.arena))
				for ti := range a.toks {
					t := &a.toks[ti]
					k := vkey{t.Text, t.Kind, t.Abjad}
					id, ok := vocabID[k]
					if !ok {
						id = uint32(len(ix.vocab))
						vocabID[k] = id
						ix.vocab = append(ix.vocab, vocabEntry{tok: *t})
						seen = append(seen, 0)
					}
					if seen[id] != nid+1 {
						seen[id] = nid + 1
						ix.vocab[id].df++
					}
					ix.arena = append(ix.arena, id)
				}
				kind := "acronym"
				if a.nameIdx >= 0 {
					kind = entities[i].Names[a.nameIdx].Kind
				}
				kid, ok := kindID[kind]
				if !ok && len(ix.kinds) < math.MaxUint8 {
					kid = uint8(len(ix.kinds))
					kindID[kind] = kid
					ix.kinds = append(ix.kinds, kind)
				}
				nums := 0
				for ti := range a.toks {
					if a.toks[ti].Kind == KindNumber {
						nums++
					}
				}
				ix.names = append(ix.names, iname{ent: ent, nameIdx: a.nameIdx, off: off, n: uint16(min(len(a.toks), math.MaxUint16)), nums: uint8(min(nums, math.MaxUint8)), kind: kid})
			}
			res[i-lo] = nil
		}
	}
	vocabID = nil
	seen = nil
	ix.packStrings()
	// Postings, back to back in one array: token v's names are
	// postIDs[postOff[v]:postOff[v+1]], in increasing order.
	ix.postOff = make([]uint32, len(ix.vocab)+1)
	for v := range ix.vocab {
		ix.postOff[v+1] = ix.postOff[v] + ix.vocab[v].df
	}
	ix.postIDs = make([]uint32, ix.postOff[len(ix.vocab)])
	fill := make([]uint32, len(ix.vocab)) // names written so far per token
	for nid, n := range ix.names {
		for _, v := range ix.arena[n.off : n.off+uint32(n.n)] {
			at := ix.postOff[v] + fill[v]
			if fill[v] > 0 && ix.postIDs[at-1] == uint32(nid) {
				continue
			}
			ix.postIDs[at] = uint32(nid)
			fill[v]++
		}
	}
	fill = nil
	// Rarity and lookup tables, the maps sized up front (rehashing a map
	// of millions of keys costs more than filling it); the key table
	// counts the ids of each key first, then lays them out back to back.
	nv := len(ix.vocab)
	ix.byText = make(map[string][]uint32, nv)
	ix.bySkel = make(map[string][]uint32, nv)
	N := float64(max(len(ix.names), 2))
	var dels []string
	for v := range ix.vocab {
		e := &ix.vocab[v]
		r := math.Log(N/float64(max(e.df, 1))) / math.Log(N)
		e.rare = 0.35 + 0.65*math.Max(0, math.Min(1, r))
		t := &e.tok
		id := uint32(v)
		ix.byText[t.Text] = append(ix.byText[t.Text], id)
		for _, c := range t.Concepts {
			ix.byConcept[c] = append(ix.byConcept[c], id)
		}
		if t.Kind == KindNumber || t.Key == "" {
			continue
		}
		dels = keyHashes(ix.seed, t.Key, dels, func(h uint64, _ bool) { ix.byKey.count(h) })
		if len(t.Skel) >= 2 {
			ix.bySkel[t.Skel] = append(ix.bySkel[t.Skel], id)
			if t.Abjad {
				ix.byAbjadSkel[t.Skel] = append(ix.byAbjadSkel[t.Skel], id)
			}
		}
	}
	// Second pass over the keys, now that each has its run of ids: in
	// vocabulary order, the key before its deletions, as lookup reads
	// them.
	ix.byKey.layout()
	for v := range ix.vocab {
		t := &ix.vocab[v].tok
		if t.Kind == KindNumber || t.Key == "" {
			continue
		}
		id := uint32(v)
		dels = keyHashes(ix.seed, t.Key, dels, func(h uint64, del bool) {
			if del {
				ix.byKey.add(h, id|delBit)
			} else {
				ix.byKey.add(h, id)
			}
		})
	}
	for v := range ix.vocab {
		e := &ix.vocab[v]
		e.w = tokenWeight(&e.tok, e.rare)
	}
	ix.arenaW = make([]float64, len(ix.arena))
	ix.arenaRare = make([]float64, len(ix.arena))
	for i, v := range ix.arena {
		ix.arenaW[i], ix.arenaRare[i] = ix.vocab[v].w, ix.vocab[v].rare
	}
	ix.nameW = make([]float32, len(ix.names))
	for nid := range ix.names {
		n := &ix.names[nid]
		var w float64
		for _, v := range ix.arena[n.off : n.off+uint32(n.n)] {
			e := &ix.vocab[v]
			bw := baseWeight(e.tok.Kind)
			if e.tok.Kind == KindWord || e.tok.Kind == KindNumber {
				bw *= e.rare
			}
			w += bw
		}
		ix.nameW[nid] = float32(w)
	}
	ix.pool.New = func() any {
		ev := make([]evidence, len(ix.names))
		for i, w := range ix.nameW {
			ev[i].nameW = w
		}
		vs := make([]vocabSeen, len(ix.vocab))
		for v := range ix.vocab {
			e := &ix.vocab[v]
			vs[v].df = e.df
			if e.tok.Kind == KindNumber {
				vs[v].df |= numberFlag
			}
		}
		return &scratch{ev: ev, vocab: vs}
	}
	return ix
}

// packStrings moves the spellings of every vocabulary token into one
// block, each token's text, key and skeleton side by side (and its
// original only when it differs from the text): comparing two tokens
// reads them together, and analysis had left them scattered over the
// heap. A million entities' tokens then also take one allocation instead
// of millions.
func (ix *Index) packStrings() {
	n := 0
	for v := range ix.vocab {
		t := &ix.vocab[v].tok
		n += len(t.Text) + len(t.Key) + len(t.Skel)
		if t.Orig != t.Text {
			n += len(t.Orig)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for v := range ix.vocab {
		t := &ix.vocab[v].tok
		b.WriteString(t.Text)
		b.WriteString(t.Key)
		b.WriteString(t.Skel)
		if t.Orig != t.Text {
			b.WriteString(t.Orig)
		}
	}
	all, off := b.String(), 0
	take := func(k int) string {
		s := all[off : off+k]
		off += k
		return s
	}
	for v := range ix.vocab {
		t := &ix.vocab[v].tok
		text := take(len(t.Text))
		key, skel := take(len(t.Key)), take(len(t.Skel))
		orig := text
		if t.Orig != t.Text {
			orig = take(len(t.Orig))
		}
		t.Text, t.Key, t.Skel, t.Orig = text, key, skel, orig
	}
}

type analysed struct {
	nameIdx int32
	toks    []Token
}

// analyseEntity analyses every name of e, plus the acronym of each
// organisation name.
func analyseEntity(e *Entity) []analysed {
	org := typeClass(e.Type) != "person"
	var as []analysed
	var seenAc []string
	for ni, n := range e.Names {
		for vi, v := range append([]string{n.Value}, nameVariants(n.Value)...) {
			toks := analyse(v)
			if len(toks) == 0 {
				continue
			}
			as = append(as, analysed{int32(ni), toks})
			if vi == 0 && len(e.Names[ni].Value) != len(v) {
				continue
			}
			if org && (typeClass(e.Type) == "org" || isOrgLike(toks)) {
				if ac := acronym(toks); ac != "" && !slices.Contains(seenAc, ac) {
					seenAc = append(seenAc, ac)
					as = append(as, analysed{-1, []Token{acronymToken(ac)}})
				}
			}
		}
	}
	return as
}

// Len is the number of indexed entities.
func (ix *Index) Len() int { return len(ix.ents) }

// Names is the number of indexed names, aliases and derived acronyms.
func (ix *Index) Names() int { return len(ix.names) }

// Config returns the scorer configuration in force.
func (ix *Index) Config() Config { return ix.cfg }

func (ix *Index) rarity(t *Token) float64 {
	if t.Kind != KindWord && t.Kind != KindNumber {
		return 1
	}
	best := 1.0
	for _, v := range ix.byText[t.Text] {
		if r := ix.vocab[v].rare; r < best {
			best = r
		}
	}
	return best
}

// lookup finds the vocabulary tokens that a query token may stand for:
// the same text, the same phonetic key, one edit away on the key (typos),
// the same consonant skeleton across Latin and Arabic/Hebrew script, and
// the same dictionary concept across languages.
func (ix *Index) lookup(t *Token, s *scratch, w float64, tok uint8) {
	s.epoch++
	if s.epoch == 0 {
		for i := range s.vocab {
			s.vocab[i].epoch = 0
		}
		s.epoch = 1
	}
	// Retrieval ranks by approximate similarities (exact 1, same
	// concept 1, same phonetic key 0.92, one edit or same skeleton 0.85);
	// the scorer computes the exact ones for the few candidates kept. The
	// weight is the query word's (its rarity included), not the matched
	// variant's: a rare misspelling of "Muhammad" is no rarer evidence
	// than "Muhammad".
	try := func(ids []uint32, sim float64) {
		for _, v := range ids {
			vs := &s.vocab[v]
			if vs.epoch == s.epoch {
				continue
			}
			vs.epoch = s.epoch
			if t.Kind == KindNumber || vs.df&numberFlag != 0 {
				if e := &ix.vocab[v]; t.Kind != e.tok.Kind || t.Text != e.tok.Text {
					continue
				}
			}
			s.hits = append(s.hits, hit{tok: tok, v: v, w: float32(w * sim), df: vs.df &^ numberFlag})
		}
	}
	// tryKey takes ids from byKey: plain ids share the key (or, for a
	// deletion of the query key, are one edit away); delBit ids are one
	// edit away.
	tryKey := func(ids []uint32, sim float64) {
		for _, v := range ids {
			sv := sim
			if v&delBit != 0 {
				v &^= delBit
				sv = 0.85
			}
			vs := &s.vocab[v]
			if vs.epoch == s.epoch {
				continue
			}
			vs.epoch = s.epoch
			s.hits = append(s.hits, hit{tok: tok, v: v, w: float32(w * sv), df: vs.df &^ numberFlag})
		}
	}
	exact := ix.byText[t.Text]
	try(exact, 1)
	if t.Kind == KindNumber {
		return
	}
	for _, c := range t.Concepts {
		try(ix.byConcept[c], 1)
	}
	if t.Key != "" {
		// The hashes of the key and of its one-letter deletions first,
		// with a read of each one's table slot: the reads are independent,
		// so their cache misses overlap instead of following one another.
		probes := append(s.probes[:0], maphash.String(ix.seed, t.Key))
		if len(t.Key) >= 4 {
			// Deletion variants built in a reused buffer (hashing bytes
			// does not allocate).
			key := t.Key
			for p := 0; p < len(key); p++ {
				if p > 0 && key[p] == key[p-1] {
					continue
				}
				s.buf = append(append(s.buf[:0], key[:p]...), key[p+1:]...)
				probes = append(probes, maphash.Bytes(ix.seed, s.buf))
			}
		}
		s.probes = probes
		s.sink += ix.byKey.warm(probes)
		tryKey(ix.byKey.get(probes[0]), 0.92)
		for _, h := range probes[1:] {
			// A deletion shared by very many words ("mhmd" of every
			// Mohammed) says little; the exact key covers them.
			if ids := ix.byKey.get(h); len(ids) <= maxDelBucket {
				tryKey(ids, 0.85)
			}
		}
	}
	if len(t.Skel) >= 2 {
		if t.Abjad {
			try(ix.bySkel[t.Skel], 0.85)
		} else {
			try(ix.byAbjadSkel[t.Skel], 0.85)
		}
	}
}

// best is the best-scoring name pair of one candidate entity.
type best struct {
	ent    uint32
	name   uint32
	score  float64
	qn, en *aname
}

const delBit = 1 << 31

// maxDelBucket bounds the one-edit candidates read per deletion variant.
const maxDelBucket = 64

type cand struct {
	name uint32
	acc  float32
}

func candLess(a, b cand) bool {
	if a.acc != b.acc {
		return a.acc < b.acc
	}
	return a.name > b.name
}

// topK keeps the k best candidates (a min-heap over the first k, then
// one pass), cheaper than sorting hundreds of touched names.
func topK(cs []cand, k int) []cand {
	h := cs[:k]
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= k {
				return
			}
			m := l
			if r := l + 1; r < k && candLess(h[r], h[l]) {
				m = r
			}
			if !candLess(h[m], h[i]) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, c := range cs[k:] {
		if candLess(h[0], c) {
			h[0] = c
			down(0)
		}
	}
	return h
}

// Screen returns the entities scoring at or above the review threshold
// for q, best first, at most limit of them (limit <= 0: no limit).
func (ix *Index) Screen(q Query, limit int) []Result {
	return ix.ScreenMin(q, limit, ix.cfg.ReviewThreshold)
}

// ScreenMin is Screen with an explicit lowest score to report, for
// measuring recall below the review threshold.
func (ix *Index) ScreenMin(q Query, limit int, minScore float64) []Result {
	s := ix.pool.Get().(*scratch)
	defer ix.pool.Put(s)
	pq := prepare(q, ix.rarity)
	s.hits = s.hits[:0]
	nTok := 0
	for _, qn := range pq.names {
		nTok += len(qn.toks)
	}
	s.sims.reset(len(ix.vocab), nTok)
	base := 0
	for _, qn := range pq.names {
		qn.tokBase = base
		strong := false
		for _, t := range qn.toks {
			if t.Kind == KindWord || t.Kind == KindNumber || t.Kind == KindDomain {
				strong = true
			}
		}
		for ti, t := range qn.toks {
			if t.Kind == KindStop || t.Kind == KindTitle || (strong && (t.Kind == KindLegal || t.Kind == KindPersonPart)) {
				continue
			}
			ix.lookup(t, s, qn.w[ti], uint8(min(base+ti, 31)))
		}
		base += len(qn.toks)
	}
	// Rarest tokens first, so a frequent word ("company", "mohammed")
	// cannot crowd out the postings that identify the entity.
	// (Sorting packed integers avoids a comparison call per step.)
	order := s.order[:0]
	for i, h := range s.hits {
		order = append(order, uint64(h.df)<<32|uint64(i))
	}
	slices.Sort(order)
	s.order = order
	// The start of each hit's postings, read together (see
	// warmCandidates).
	var sink uint32
	for _, o := range order {
		v := s.hits[uint32(o)].v
		if lo := ix.postOff[v]; lo < ix.postOff[v+1] {
			sink += ix.postIDs[lo]
		}
	}
	s.sink += sink
	// Collect candidates from the rare tokens; once the candidate set is
	// large, a frequent token only adds evidence to names already found
	// (by binary search in its sorted postings), so a query of common
	// words costs what its rarest word costs.
	budget := ix.cfg.MaxPostings
	maxTouched := ix.cfg.MaxCandidates
	// Each query word adds evidence to a name once, whichever of its
	// spellings the name carries: a list name that lists five spellings
	// of "Muhammad" is not five times a Muhammad.
	for _, o := range order {
		h := &s.hits[uint32(o)]
		p := ix.postings(h.v)
		w := h.w
		bit := uint32(1) << h.tok
		if len(s.touched) == 0 || (len(p) <= budget && len(s.touched)+len(p) <= maxTouched) {
			budget -= len(p)
			for _, nid := range p {
				ev := &s.ev[nid]
				sn := ev.seen
				if sn&bit != 0 {
					continue
				}
				if sn == 0 {
					s.touched = append(s.touched, nid)
				}
				ev.seen = sn | bit
				ev.acc += w
			}
			continue
		}
		if len(p) > 8*len(s.touched) {
			for _, nid := range s.touched {
				ev := &s.ev[nid]
				if ev.seen&bit != 0 {
					continue
				}
				if _, ok := slices.BinarySearch(p, nid); ok {
					ev.seen |= bit
					ev.acc += w
				}
			}
		} else {
			for _, nid := range p {
				if ev := &s.ev[nid]; ev.seen != 0 && ev.seen&bit == 0 {
					ev.seen |= bit
					ev.acc += w
				}
			}
		}
	}
	// Keep the best-accumulated names.
	k := ix.cfg.CandidateNames
	cands := s.cands[:0]
	// A name ranked under 40% of the best candidate (evidence plus
	// coverage) has not outscored it on the UN positives; 50% lost one.
	var bestAcc float32
	for _, nid := range s.touched {
		// Rank by evidence found plus the share of the candidate name it
		// covers, so a fully matched name beats a long name that shares
		// only common words.
		ev := &s.ev[nid]
		a := ev.acc
		r := a + a/max(ev.nameW, a, 1e-3)
		ev.acc, ev.seen = 0, 0
		bestAcc = max(bestAcc, r)
		cands = append(cands, cand{nid, r})
	}
	s.touched = s.touched[:0]
	s.cands = cands
	kept := cands[:0]
	for _, c := range cands {
		if c.acc >= bestAcc*0.4 {
			kept = append(kept, c)
		}
	}
	cands = kept
	if len(cands) > k {
		cands = topK(cands, k)
	}
	ix.warmCandidates(cands, s)
	byEnt := s.best[:0] // at most CandidateNames entries: a slice beats a map
	if cap(s.anames) < len(cands) {
		s.anames = make([]aname, len(cands))
	}
	s.anames = s.anames[:len(cands)]
	for ci, c := range cands {
		n := &ix.names[c.name]
		en := ix.fillAname(n, &s.anames[ci])
		e := &ix.ents[n.ent]
		for _, qn := range pq.names {
			if qn.kind == "acronym" && en.kind == "acronym" {
				continue
			}
			cmp := compareNamesCached(qn, en, &ix.cfg, pairClass(q.Type, e.Type, qn, en), false, &s.sims)
			if cmp.score < ix.cfg.MinCandidateScore {
				continue
			}
			score := evalEntityX(&ix.cfg, pq, qn, e, en, cmp, ix.parentScore, false).Score
			var b *best
			for k := range byEnt {
				if byEnt[k].ent == n.ent {
					b = &byEnt[k]
					break
				}
			}
			if b == nil {
				byEnt = append(byEnt, best{ent: n.ent, score: -1})
				b = &byEnt[len(byEnt)-1]
			}
			if score > b.score {
				b.score, b.qn, b.en, b.name = score, qn, en, c.name
			}
		}
	}
	s.best = byEnt
	n := 0
	for _, b := range byEnt {
		if b.score >= minScore {
			n++
		}
	}
	out := make([]Result, 0, n)
	for _, b := range byEnt {
		if b.score < minScore {
			continue
		}
		// Re-run with token pairs and explanation, only for what is
		// returned.
		e := &ix.ents[b.ent]
		b.en.value = ix.nameValue(&ix.names[b.name])
		cmp := compareNamesCached(b.qn, b.en, &ix.cfg, pairClass(q.Type, e.Type, b.qn, b.en), true, &s.sims)
		r := evalEntity(&ix.cfg, pq, b.qn, e, b.en, cmp, ix.parentScore)
		fillTokens(&r.Explanation, b.qn, b.en, cmp)
		out = append(out, r)
	}
	sortResults(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// warmCandidates reads, for all candidate names at once, the index
// memory their comparisons start from: the name record and its entity's
// type, its token ids, weights and rarities, the first cache line of each
// token, its spellings and its row of the similarity cache. Comparing one
// name after the other waits for each of these reads in turn (they miss
// the caches: a query touches a few names among tens of thousands);
// issued together here, independent of one another, the processor
// overlaps the waits.
func (ix *Index) warmCandidates(cands []cand, s *scratch) {
	var sink uint32
	for _, c := range cands {
		n := &ix.names[c.name]
		sink += n.off
		if typ := ix.ents[n.ent].Type; typ != "" { // the entity's type class
			sink += uint32(typ[0])
		}
	}
	for _, c := range cands {
		n := &ix.names[c.name]
		for i := n.off; i < n.off+uint32(n.n); i++ {
			v := ix.arena[i]
			t := &ix.vocab[v].tok
			sink += uint32(t.Kind) + uint32(ix.arenaW[i]+ix.arenaRare[i]) + s.sims.slot[v].tag
			if t.Text != "" {
				sink += uint32(t.Text[0]) // the token's packed spellings
			}
		}
	}
	s.sink += sink
}

// postings is the ids of the names that contain vocabulary token v, in
// increasing order.
func (ix *Index) postings(v uint32) []uint32 {
	lo, hi := ix.postOff[v], ix.postOff[v+1]
	return ix.postIDs[lo:hi:hi]
}

func (ix *Index) fillAname(n *iname, a *aname) *aname {
	lo, hi := n.off, n.off+uint32(n.n)
	ids := ix.arena[lo:hi]
	toks := a.toks[:0]
	for _, v := range ids {
		toks = append(toks, &ix.vocab[v].tok)
	}
	// The weights and rarities are the index's own arrays: an index
	// name is never passed to finish, which would write them.
	a.ids, a.toks = ids, toks
	a.w, a.rare = ix.arenaW[lo:hi:hi], ix.arenaRare[lo:hi:hi]
	a.sumW = 0
	for _, w := range a.w {
		a.sumW += w
	}
	a.nums = int(n.nums)
	// The name's text is needed only to explain a returned result
	// (nameValue).
	a.value, a.kind = "", ix.kinds[n.kind]
	a.joined, a.jdone = "", false
	return a
}

// nameValue is the text of an indexed name (the acronym itself for a
// derived acronym).
func (ix *Index) nameValue(n *iname) string {
	if n.nameIdx >= 0 {
		return ix.ents[n.ent].Names[n.nameIdx].Value
	}
	return ix.vocab[ix.arena[n.off]].tok.Text
}

// parentScore compares a parent body named by the query with one named by
// the list (both free text), for the parent feature.
func (ix *Index) parentScore(a, b string) float64 {
	return Compare(Query{Name: a}, Entity{Names: []Name{{Value: b, Kind: "primary"}}}, ix.cfg).Explanation.NameScore
}
