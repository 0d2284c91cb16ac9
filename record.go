package vigil

import "context"

// NewRecord returns an empty record of the kind, for decoding into.
func NewRecord(kind Kind) (Record, error) {
	switch kind {
	case KindParty:
		return &Party{}, nil
	case KindLink:
		return &Link{}, nil
	case KindAccount:
		return &Account{}, nil
	case KindSubscription:
		return &Subscription{}, nil
	case KindService:
		return &Service{}, nil
	case KindContext:
		return &CountryContext{}, nil
	case KindSource:
		return &Source{}, nil
	}
	return nil, Errorf(EINVALID, "unknown kind %q", kind)
}

// GetAs fetches one record and returns it as its concrete type.
func GetAs[T Record](ctx context.Context, s RecordStore, kind Kind, id string) (T, error) {
	var zero T
	rec, err := s.Get(ctx, kind, id)
	if err != nil {
		return zero, err
	}
	t, ok := rec.(T)
	if !ok {
		return zero, Errorf(EINTERNAL, "store returned %T for %s", rec, kind)
	}
	return t, nil
}
