package vigil_test

import (
	"testing"

	"github.com/vigil-hrdd/vigil"
)

func TestTerritories(t *testing.T) {
	if n := len(vigil.CountryCodes()); n != 250 {
		t.Fatalf("%d country codes, want the 249 of ISO 3166-1 plus XK", n)
	}
	for _, ok := range []string{"", "FR", "XK", "PS", "UA-43", "GB-SCT", "US-CA", "TW", "EH"} {
		if err := vigil.ValidateTerritory(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"fr", "FRA", "AA", "QQ", "SU", "YU", "ZZ", "EU", "UN", "UA-", "UA-1234", "U1", "UA_43", "XX-01"} {
		if err := vigil.ValidateTerritory(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
