package vigil

// Normalize gives a record's empty lists one form (an empty list, never
// nil), so that a record means the same bytes whether it came through the
// API, an import or an export: the stores hash those bytes to tell whether
// anything changed.
func Normalize(rec Record) {
	switch r := rec.(type) {
	case *Party:
		r.Aliases = emptyIfNil(r.Aliases)
		r.Sectors = emptyIfNil(r.Sectors)
		r.Identifiers = emptyIfNil(r.Identifiers)
	case *Service:
		r.Capabilities = emptyIfNil(r.Capabilities)
	case *Source:
		r.PartyIDs = emptyIfNil(r.PartyIDs)
	}
}

func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
