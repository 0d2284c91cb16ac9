package screen

// Decision is the outcome of screening one query against one entity.
type Decision string

const (
	Match   Decision = "match"
	Review  Decision = "review"
	NoMatch Decision = "no_match"
)

// Config holds the thresholds and feature weights of the scorer. The
// defaults were set on the name_bench pairs and the project's own labelled
// set (testdata/org_pairs.csv); change them per deployment, not in code.
type Config struct {
	// MatchThreshold and ReviewThreshold split the final score into
	// match, review and no_match.
	MatchThreshold  float64 `json:"match_threshold"`
	ReviewThreshold float64 `json:"review_threshold"`

	// Alpha weighs the better-covered side of a name pair against the
	// worse-covered one: 1 would let "Obama" fully match "Barack Obama",
	// 0.5 averages both sides.
	Alpha         float64 `json:"alpha"`
	AlphaPerson   float64 `json:"alpha_person"`
	AlphaOrg      float64 `json:"alpha_org"`
	AlphaConflict float64 `json:"alpha_conflict"` // when both names have unmatched words
	// SimExponent bends token similarity so near-misses between different
	// words (Orbach/Orban, 0.77) count much less than typos (0.9+).
	SimExponent float64 `json:"sim_exponent"`
	// LegalConflict and ParticleConflict multiply the name score when
	// the legal forms differ (AG vs GmbH) or the name after "bin" differs.
	LegalConflict    float64 `json:"legal_conflict"`
	Contradiction    float64 `json:"contradiction"`
	ParticleConflict float64 `json:"particle_conflict"`
	// MinTokenSim is the least similarity for two tokens to be paired.
	MinTokenSim float64 `json:"min_token_sim"`
	// NumberConflict multiplies the name score when both names carry
	// numbers that disagree (unit 26165 against unit 26166).
	NumberConflict float64 `json:"number_conflict"`

	// Feature contributions, added to the name score.
	CountryMatch      float64 `json:"country_match"`
	CountryMismatch   float64 `json:"country_mismatch"`
	TypeMismatch      float64 `json:"type_mismatch"`
	IdentifierMatch   float64 `json:"identifier_match"`
	IdentifierClash   float64 `json:"identifier_clash"`
	ParentMatch       float64 `json:"parent_match"`
	AcronymDiscount   float64 `json:"acronym_discount"` // multiplier for derived-acronym names
	CandidateNames    int     `json:"candidate_names"`  // names fully scored per query
	MaxPostings       int     `json:"max_postings"`     // index postings read per query
	MaxCandidates     int     `json:"max_candidates"`   // names collected before frequent tokens only refine
	MinCandidateScore float64 `json:"min_candidate_score"`
}

// DefaultConfig returns the tuned defaults.
func DefaultConfig() Config {
	return Config{
		MatchThreshold:    0.86,
		ReviewThreshold:   0.70,
		Alpha:             0.6,
		AlphaPerson:       0.8,
		AlphaOrg:          0.5,
		AlphaConflict:     0.25,
		SimExponent:       1,
		LegalConflict:     0.9,
		Contradiction:     1,
		ParticleConflict:  0.7,
		MinTokenSim:       0.7,
		NumberConflict:    0.55,
		CountryMatch:      0.05,
		CountryMismatch:   -0.20,
		TypeMismatch:      -0.20,
		IdentifierMatch:   0.30,
		IdentifierClash:   -0.10,
		ParentMatch:       0.05,
		AcronymDiscount:   0.9,
		CandidateNames:    16,
		MaxPostings:       15000,
		MaxCandidates:     3000,
		MinCandidateScore: 0.3,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MatchThreshold == 0 {
		return d
	}
	if c.CandidateNames == 0 {
		c.CandidateNames = d.CandidateNames
	}
	if c.MaxCandidates == 0 {
		c.MaxCandidates = d.MaxCandidates
	}
	if c.MaxPostings == 0 {
		c.MaxPostings = d.MaxPostings
	}
	if c.Alpha == 0 {
		c.Alpha = d.Alpha
	}
	if c.AlphaPerson == 0 {
		c.AlphaPerson = d.AlphaPerson
	}
	if c.AlphaOrg == 0 {
		c.AlphaOrg = d.AlphaOrg
	}
	if c.AlphaConflict == 0 {
		c.AlphaConflict = d.AlphaConflict
	}
	if c.SimExponent == 0 {
		c.SimExponent = d.SimExponent
	}
	if c.Contradiction == 0 {
		c.Contradiction = d.Contradiction
	}
	if c.LegalConflict == 0 {
		c.LegalConflict = d.LegalConflict
	}
	if c.ParticleConflict == 0 {
		c.ParticleConflict = d.ParticleConflict
	}
	if c.MinTokenSim == 0 {
		c.MinTokenSim = d.MinTokenSim
	}
	if c.NumberConflict == 0 {
		c.NumberConflict = d.NumberConflict
	}
	if c.AcronymDiscount == 0 {
		c.AcronymDiscount = d.AcronymDiscount
	}
	return c
}

func (c Config) decide(score float64) Decision {
	switch {
	case score >= c.MatchThreshold:
		return Match
	case score >= c.ReviewThreshold:
		return Review
	}
	return NoMatch
}
