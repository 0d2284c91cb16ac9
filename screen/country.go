package screen

import (
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

var (
	countryOnce  sync.Once
	countryWords map[string]string
)

// countryWord tells whether a romanised word is a one-word country name
// ("china", "chad", "mexico"). Two organisation names that differ only in
// their country ("Bank of China" / "Bank of Chad", "Santander Mexico" /
// "Santander Chile") are different bodies, so such words are compared as
// strong tokens. Names come from CLDR via x/text, in English and in the
// country's own language.
func countryWord(w string) string {
	countryOnce.Do(func() {
		countryWords = map[string]string{}
		for a := 'A'; a <= 'Z'; a++ {
			for b := 'A'; b <= 'Z'; b++ {
				code := string([]rune{a, b})
				r, err := language.ParseRegion(code)
				if err != nil || !r.IsCountry() {
					continue
				}
				names := []string{display.English.Regions().Name(r)}
				if base, conf := language.Make("und-" + code).Base(); conf != language.No {
					tag, _ := language.Compose(base, r)
					if nm := display.Regions(tag); nm != nil {
						names = append(names, nm.Name(r))
					}
				}
				for _, n := range names {
					toks := rawTokens(n)
					if len(toks) == 1 && len(toks[0].text) >= 4 {
						if _, dup := countryWords[toks[0].text]; !dup {
							countryWords[toks[0].text] = code
						}
					}
				}
			}
		}
	})
	return countryWords[w]
}
