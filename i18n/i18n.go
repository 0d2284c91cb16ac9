// Package i18n holds the web UI's messages in English and French and the
// one formatter of numbers and dates both languages share.
//
// Messages go through a golang.org/x/text/message catalog, which also
// selects plural forms (French counts 0 and 1 as singular). Numbers are
// grouped with x/text's number formatter, then French grouping is moved to
// the narrow no-break space U+202F that CLDR 48 uses (x/text ships CLDR 32,
// which has U+00A0). Dates are formatted here because x/text has no date
// formatting: French writes "1er" only for the first of the month, month
// names in lower case, and hours as "14 h 30" (Office québécois de la
// langue française; Poitou's typography notes).
package i18n

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
	"golang.org/x/text/number"
)

// Languages the UI speaks, the first being the default.
var languages = []language.Tag{language.English, language.French}

// Codes lists the language codes of the UI, default first.
func Codes() []string { return []string{"en", "fr"} }

// Bundle is the compiled catalog of every message in every language. It
// is built once by the server and read concurrently.
type Bundle struct {
	cat     catalog.Catalog
	matcher language.Matcher
	keys    map[string]bool
}

// NewBundle compiles the message table into a catalog.
func NewBundle() (*Bundle, error) {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	keys := make(map[string]bool, len(messages))
	for _, m := range messages {
		if keys[m.key] {
			return nil, fmt.Errorf("message %q is defined twice", m.key)
		}
		keys[m.key] = true
		for _, tr := range []struct {
			tag  language.Tag
			text string
		}{{language.English, m.en}, {language.French, frenchSpacing(m.fr)}} {
			if tr.text == "" {
				return nil, fmt.Errorf("message %q has no %s text", m.key, tr.tag)
			}
			var err error
			if m.plural >= 0 {
				one, other, ok := strings.Cut(tr.text, "|")
				if !ok {
					return nil, fmt.Errorf("message %q (%s): a plural message needs \"one|other\"", m.key, tr.tag)
				}
				err = b.Set(tr.tag, m.key, plural.Selectf(m.plural+1, "", plural.One, one, plural.Other, other))
			} else {
				err = b.SetString(tr.tag, m.key, tr.text)
			}
			if err != nil {
				return nil, fmt.Errorf("message %q (%s): %w", m.key, tr.tag, err)
			}
		}
	}
	return &Bundle{cat: b, matcher: language.NewMatcher(languages), keys: keys}, nil
}

// frenchSpacing puts the no-break spaces of French typography into a
// message written with plain spaces, so the table stays readable: U+00A0
// inside guillemets and before a colon, U+202F before ; ! and ?. A line
// never breaks between a sign and its word.
func frenchSpacing(s string) string {
	return strings.NewReplacer(
		"« ", "«\u00a0", " »", "\u00a0»",
		" :", "\u00a0:", " ;", "\u202f;", " !", "\u202f!", " ?", "\u202f?",
	).Replace(s)
}

// Has reports whether a message key is defined.
func (b *Bundle) Has(key string) bool { return b.keys[key] }

// Keys returns every message key.
func (b *Bundle) Keys() []string {
	out := make([]string, 0, len(b.keys))
	for k := range b.keys {
		out = append(out, k)
	}
	return out
}

// Match picks the UI language for a stored choice or, without one, for an
// Accept-Language header. It returns "en" or "fr".
func (b *Bundle) Match(choice, acceptLanguage string) string {
	for _, c := range Codes() {
		if choice == c {
			return c
		}
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return "en"
	}
	_, i, _ := b.matcher.Match(tags...)
	return Codes()[i]
}

// Localizer formats messages, numbers and dates in one language.
type Localizer struct {
	code string
	tag  language.Tag
	p    *message.Printer
	keys map[string]bool
}

// For returns the localizer of a language code ("en" or "fr"); any other
// code gives English.
func (b *Bundle) For(code string) *Localizer {
	tag := language.English
	if code == "fr" {
		tag = language.French
	} else {
		code = "en"
	}
	return &Localizer{code: code, tag: tag, p: message.NewPrinter(tag, message.Catalog(b.cat)), keys: b.keys}
}

// Code is the localizer's language code, for the lang attribute.
func (l *Localizer) Code() string { return l.code }

// T returns the message key in the localizer's language, with args
// substituted as the message's verbs say.
func (l *Localizer) T(key string, args ...any) string {
	return l.p.Sprintf(key, args...)
}

// Label translates a value of a vocabulary (a party type, a tier, a
// status) by the key prefix.value, and gives the value itself when the
// vocabulary has no message for it: policies and imports may bring values
// the UI does not know yet.
func (l *Localizer) Label(prefix, value string) string {
	if l.keys[prefix+"."+value] {
		return l.p.Sprintf(prefix + "." + value)
	}
	return value
}

// Int formats an integer with the language's grouping: 1,234,567 and
// 1 234 567 (U+202F).
func (l *Localizer) Int(n int64) string {
	return l.fixGrouping(l.p.Sprint(number.Decimal(n)))
}

// Decimal formats a number with at most digits fraction digits.
func (l *Localizer) Decimal(f float64, digits int) string {
	return l.fixGrouping(l.p.Sprint(number.Decimal(f, number.MaxFractionDigits(digits))))
}

// Percent formats a ratio (0.125) as a percentage with at most one
// fraction digit: 12.5% and 12,5 % (U+00A0 before the sign, as CLDR 48).
// x/text would round 0.125 to "12 %" without a fraction digit.
func (l *Localizer) Percent(ratio float64) string {
	s := l.Decimal(ratio*100, 1)
	if l.code == "fr" {
		return s + "\u00a0%"
	}
	return s + "%"
}

func (l *Localizer) fixGrouping(s string) string {
	if l.code == "fr" {
		return strings.ReplaceAll(s, "\u00a0", "\u202f")
	}
	return s
}

var (
	monthsEN = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	monthsFR = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
)

// Date formats a calendar date in words: "1 December 2026" and
// "1er décembre 2026"; "" for the zero time.
func (l *Localizer) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.code == "fr" {
		d := fmt.Sprint(t.Day())
		if t.Day() == 1 {
			d = "1er"
		}
		return d + " " + monthsFR[t.Month()-1] + " " + fmt.Sprint(t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), monthsEN[t.Month()-1], t.Year())
}

// Clock formats a time of day in 24 hours: "14:30" and "14 h 30", with a
// whole hour as "19 h" in French. The spaces are U+00A0 so the hour never
// breaks from its "h".
func (l *Localizer) Clock(t time.Time) string {
	if l.code == "fr" {
		if t.Minute() == 0 {
			return fmt.Sprintf("%d\u00a0h", t.Hour())
		}
		return fmt.Sprintf("%d\u00a0h\u00a0%02d", t.Hour(), t.Minute())
	}
	return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute())
}

// DateTime formats an instant in UTC: "1 December 2026, 14:30 UTC" and
// "1er décembre 2026 à 14 h 30 UTC". The UI shows UTC so that times in the
// proof log, the events and the pages agree.
func (l *Localizer) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	if l.code == "fr" {
		return l.Date(t) + " à " + l.Clock(t) + " UTC"
	}
	return l.Date(t) + ", " + l.Clock(t) + " UTC"
}
