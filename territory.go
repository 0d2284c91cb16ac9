package vigil

import (
	"regexp"

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

// IsCountryCode reports whether code is an upper-case ISO 3166-1 alpha-2 code
// (including the user-assigned XK that many lists use for Kosovo; other
// user-assigned codes such as AA or QQ are refused).
func IsCountryCode(code string) bool {
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return false
	}
	if code == "XK" {
		return true
	}
	r, err := language.ParseRegion(code)
	return err == nil && r.String() == code && !r.IsGroup() && !r.IsPrivateUse()
}

// CountryOf returns the ISO 3166-1 part of a territory code ("UA" for
// "UA-43").
func CountryOf(territory string) string {
	if len(territory) >= 2 {
		return territory[:2]
	}
	return territory
}

// CountryCodes returns every ISO 3166-1 alpha-2 country code, sorted, so that
// demo data can cover every country without naming any in code.
func CountryCodes() []string {
	var codes []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			if err == nil && r.String() == code && r.IsCountry() {
				codes = append(codes, code)
			}
		}
	}
	return codes
}
