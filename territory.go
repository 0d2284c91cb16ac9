package vigil

import (
	"regexp"
	"slices"
	"sync"

	"golang.org/x/text/language"
)

var subdivisionPattern = regexp.MustCompile(`^([A-Z]{2})-([A-Z0-9]{1,3})$`)

// ValidateTerritory accepts an ISO 3166-1 alpha-2 country code or an
// ISO 3166-2 subdivision code (two-letter country, a hyphen, one to three
// letters or digits). The empty string is accepted: a party's country may be
// unknown.
func ValidateTerritory(code string) error {
	if code == "" {
		return nil
	}
	country := code
	if m := subdivisionPattern.FindStringSubmatch(code); m != nil {
		country = m[1]
	} else if len(code) != 2 {
		return Errorf(EINVALID, "%q is neither an ISO 3166-1 alpha-2 code (FR) nor an ISO 3166-2 subdivision code (FR-75)", code)
	}
	if !IsCountryCode(country) {
		return Errorf(EINVALID, "%q is not an ISO 3166-1 alpha-2 country code", country)
	}
	return nil
}

// IsCountryCode reports whether code is an upper-case ISO 3166-1 alpha-2
// code currently assigned, or the user-assigned XK that many lists use for
// Kosovo. Other user-assigned, withdrawn and reserved codes (AA, QQ, SU, YU,
// AC, ...) are refused.
func IsCountryCode(code string) bool {
	_, ok := countrySet()[code]
	return ok
}

// notAssigned are codes CLDR still lists as regions with an alpha-3 code
// though ISO 3166-1 has withdrawn them or only reserves them.
var notAssigned = map[string]bool{"AC": true, "AN": true, "CP": true, "CS": true, "DG": true, "FQ": true, "NT": true, "PC": true, "SU": true, "TA": true, "YU": true}

var countrySet = sync.OnceValue(func() map[string]struct{} {
	set := map[string]struct{}{}
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			if err != nil || r.String() != code || !r.IsCountry() || notAssigned[code] {
				continue
			}
			if iso3 := r.ISO3(); code != "XK" && (iso3 == "" || iso3 == "ZZZ" || r.Canonicalize().String() != code) {
				continue
			}
			set[code] = struct{}{}
		}
	}
	return set
})

// CountryOf returns the ISO 3166-1 part of a territory code ("UA" for
// "UA-43").
func CountryOf(territory string) string {
	if len(territory) >= 2 {
		return territory[:2]
	}
	return territory
}

// CountryCodes returns every code IsCountryCode accepts, sorted, so that
// demo data can cover every country without naming any in code.
func CountryCodes() []string {
	codes := make([]string, 0, len(countrySet()))
	for c := range countrySet() {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}
