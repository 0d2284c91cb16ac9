package lists

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/vigil-hrdd/vigil/screen"
)

// Fuzz targets: every parser must not panic on any input, must be
// deterministic (same bytes, same entities or same error), must return no
// entities with an error, and what it returns must keep the Entity
// invariants. Run one with e.g. go test -fuzz=FuzzUN ./screen/lists.

type parseFn func([]byte) ([]screen.Entity, error)

func fuzzCheck(t *testing.T, list string, parse parseFn, data []byte) {
	es1, err1 := parse(data)
	es2, err2 := parse(data)
	if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
		t.Fatalf("non-deterministic error: %v / %v", err1, err2)
	}
	if !reflect.DeepEqual(es1, es2) {
		t.Fatalf("non-deterministic entities")
	}
	if err1 != nil {
		if es1 != nil {
			t.Fatalf("entities returned with error %v", err1)
		}
		return
	}
	checkEntities(t, list, es1)
}

func FuzzOFAC(f *testing.F) {
	f.Add([]byte(ofacGood+"306,\"BANCO NACIONAL DE CUBA\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. 'BNC'; Passport 123456 (Cuba); nationality Cuba.\"\r\n\x1a"),
		[]byte("306,220,\"aka\",\"NATIONAL BANK OF CUBA\",-0- \r\n\x1a"), []byte("306,199,\"Zweierstrasse 35\",\"Zurich CH-8022\",\"Switzerland\",-0- \r\n"))
	f.Add([]byte("1,\"X\",\"individual\",\"SDGT] [IFSR\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. 'ABU MUS'AB'.\"\n"), []byte(""), []byte("1,2,-0- ,-0- ,\"Korea, North\",-0- \n"))
	f.Add([]byte("\x1a"), []byte("\x1a"), []byte("\x1a"))
	f.Fuzz(func(t *testing.T, prim, alt, add []byte) {
		fuzzCheck(t, "ofac-sdn", func(_ []byte) ([]screen.Entity, error) {
			return ParseOFAC(context.Background(), "ofac-sdn",
				OFACSource{"sdn.csv", bytes.NewReader(prim)},
				OFACSource{"alt.csv", bytes.NewReader(alt)},
				OFACSource{"add.csv", bytes.NewReader(add)},
				OFACSource{"sdn_comments.csv", bytes.NewReader([]byte("306,\" Linked To: X.\"\n"))})
		}, nil)
	})
}

const unSeed = `<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z"><INDIVIDUALS><INDIVIDUAL>
<DATAID>1</DATAID><FIRST_NAME>SADDAM</FIRST_NAME><SECOND_NAME>HUSSEIN</SECOND_NAME><UN_LIST_TYPE>Iraq</UN_LIST_TYPE>
<REFERENCE_NUMBER>IQi.001</REFERENCE_NUMBER><NAME_ORIGINAL_SCRIPT>صدام حسين</NAME_ORIGINAL_SCRIPT>
<NATIONALITY><VALUE>Iraq</VALUE></NATIONALITY>
<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Abu Ali</ALIAS_NAME></INDIVIDUAL_ALIAS>
<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>A1234</NUMBER></INDIVIDUAL_DOCUMENT>
</INDIVIDUAL></INDIVIDUALS><ENTITIES><ENTITY><DATAID>8</DATAID><FIRST_NAME>KOREA MINING DEVELOPMENT TRADING CORPORATION</FIRST_NAME>
<REFERENCE_NUMBER>KPe.001</REFERENCE_NUMBER><ENTITY_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>KOMID</ALIAS_NAME></ENTITY_ALIAS>
<ENTITY_ADDRESS><COUNTRY>Democratic People's Republic of Korea</COUNTRY></ENTITY_ADDRESS></ENTITY></ENTITIES></CONSOLIDATED_LIST>`

func FuzzUN(f *testing.F) {
	f.Add([]byte(unSeed))
	f.Add([]byte(unSeed[:len(unSeed)/2]))
	f.Add([]byte("<CONSOLIDATED_LIST/>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, "un", func(d []byte) ([]screen.Entity, error) {
			return ParseUN(context.Background(), bytes.NewReader(d), "un.xml")
		}, data)
	})
}

const euAnnexSeed = "celex,recordId,programKey,annex,measure,startDate,reason,schema,name,alias,weakAlias,previousName,country,nationality,passportNumber,innCode,address,notes\n" +
	"32014R0269,1757,EU-UKR,I,Asset freeze,,,Person,Oleg MORGUN,Олег МОРГУН,,,,Russian,\"(a) Russia number 123456\",,\"(a) Moscow, Russia\",x\n" +
	"32020R1998,3,EU-HR,I.B,,,,LegalEntity,Kaniyat Militia,9th Brigade; مليشيا كانيات,,7th Brigade,Libya,,,,,\n" +
	"32014R0833,,EU-RUS,III,,,,LegalEntity,SBERBANK,,,,,,,7707083893,,\n"

func FuzzEUAnnex(f *testing.F) {
	f.Add([]byte(euAnnexSeed))
	f.Add([]byte("celex,recordId,programKey,annex,schema,name,alias\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, "eu", func(d []byte) ([]screen.Entity, error) {
			return ParseEUAnnexCSV(context.Background(), bytes.NewReader(d), "annex.csv")
		}, data)
	})
}

const euXMLSeed = `<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-09-21T10:00:00">
<sanctionEntity logicalId="13" euReferenceNumber="EU.27.28" unitedNationId="IQi.001"><subjectType code="person" classificationCode="P"/>
<regulation programme="IRQ"><publicationUrl>x</publicationUrl></regulation>
<nameAlias wholeName="Saddam Hussein Al-Tikriti" strong="true"/><nameAlias wholeName="Abu Ali" strong="false"/>
<nameAlias firstName="Саддам" lastName="Хусейн" nameLanguage="RU" strong="true"/>
<citizenship countryIso2Code="IQ"/><identification identificationTypeCode="passport" number="N1"/><remark>r</remark></sanctionEntity>
<sanctionEntity logicalId="14"><subjectType code="enterprise"/><nameAlias wholeName="Sirius Trade LLC"/><address countryIso2Code="00"/></sanctionEntity>
</export>`

func FuzzEUXML(f *testing.F) {
	f.Add([]byte(euXMLSeed))
	f.Add([]byte(euXMLSeed[:200]))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, "eu", func(d []byte) ([]screen.Entity, error) {
			return ParseEUXML(context.Background(), bytes.NewReader(d), "fsf.xml")
		}, data)
	})
}

func FuzzCSL(f *testing.F) {
	f.Add([]byte("source,entity_number,type,programs,name,title,addresses,alt_names,citizenships,nationalities,ids,vessel_flag\n" +
		"Specially Designated Nationals (SDN) - Treasury Department,20264,Entity,SDNTK,200G PSA HOLDINGS LLC,,\"80 SW 8th Street, Miami, FL, 33130, US\",A; and B,,SY,\"US, 80-0890696, Tax ID No.; Passport, 836238033, KP\",\n" +
		"Nonproliferation Sanctions (ISN) - State Department,,,INKSNA,\"Sinobright; and any successor, sub-unit, or subsidiary thereof\",,,,,,,\n"))
	f.Add([]byte("_id,source,name,type,alt_names,addresses,ids\nabc,DPL,I. ASH,Individual,,\"X, US\",\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, "csl", func(d []byte) ([]screen.Entity, error) {
			return ParseCSL(context.Background(), bytes.NewReader(d), "csl.csv")
		}, data)
	})
}

func FuzzDoD(f *testing.F) {
	f.Add([]byte("Name,Clean Name,Alias,Previous Name,Parent Name,Note,Start date,End date,Source Url\n" +
		"Aviation Industry Corporation of China Ltd. (AVIC)*,Aviation Industry Corporation of China Ltd.,AVIC,,,,2021-06-03,,\n" +
		"AVIC Heavy Machinery (X),,AVIC Heavy Machinery,Old Name; Older,Aviation Industry Corporation of China Ltd.,n,2021-06-03,2025-01-07,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, "dod", func(d []byte) ([]screen.Entity, error) {
			return ParseDoD(context.Background(), bytes.NewReader(d), "dod.csv")
		}, data)
	})
}

func FuzzFTM(f *testing.F) {
	f.Add([]byte(`{"id":"c1","caption":"ZALA Aero","schema":"Company","properties":{"name":["ZALA Aero","ООО ЦСТ"],"country":["ru"],"innCode":["5920040846"]}}
{"id":"p1","schema":"Person","properties":{"name":["Alexander ZAKHAROV"],"nationality":["ru"]}}
{"id":"o1","schema":"Ownership","properties":{"owner":["p1"],"asset":["c1"],"percentage":["100"]}}
{"id":"d1","schema":"Directorship","properties":{"director":["p1"],"organization":["c1"]}}
{"id":"s1","schema":"Sanction","properties":{"entity":["c1"],"program":["EU-RUS"]}}
`))
	f.Add([]byte(`{"id":"x","schema":"Address","properties":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var edges1, edges2 []Edge
		fuzzCheck(t, "ftm", func(d []byte) ([]screen.Entity, error) {
			es, g, err := ParseFTM(context.Background(), bytes.NewReader(d), "e.ftm.json")
			if edges1 == nil {
				edges1 = g
			} else {
				edges2 = g
			}
			return es, err
		}, data)
		if !reflect.DeepEqual(edges1, edges2) {
			t.Fatal("non-deterministic edges")
		}
	})
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("id,name,aliases,type,country,source\nacme-1,ACME Trading LLC,ACME Trading;ACME,company,AE,internal\nu,\"Unit 26165\",В/ч 26165,organization,Russia;Belarus,ngo\n"))
	f.Add([]byte("\ufeffid,name,aliases,type,country,source\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, "csv", func(d []byte) ([]screen.Entity, error) {
			return ParseCSV(context.Background(), bytes.NewReader(d), "l.csv")
		}, data)
	})
}

func FuzzNormalizeCountry(f *testing.F) {
	for _, s := range []string{"Russia", "Korea, North", "RU", "Myanmar/Burma", "Iran (Islamic Republic of)", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, b := NormalizeCountry(s), NormalizeCountry(s)
		if a != b {
			t.Fatal("non-deterministic")
		}
		if strings.TrimSpace(s) != "" && a == "" && cleanText(s) != "" {
			t.Fatalf("NormalizeCountry(%q) lost the value", s)
		}
	})
}

func TestRemarkAliases(t *testing.T) {
	for in, want := range map[string][]string{
		"a.k.a. 'BNC'.": {"BNC"},
		"DOB 1984; a.k.a. 'ABU MUS'AB'; a.k.a. 'X'": {"ABU MUS'AB", "X"},
		"f.k.a., 'OLD NAME'; n.k.a. 'NEW' ":         {"OLD NAME", "NEW"},
		"banka.k.a. 'NO'; a.k.a. unquoted":          nil,
		"a.k.a. 'unterminated":                      nil,
		"a.k.a. 'A (B)')":                           {"A (B)"},
	} {
		if got := remarkAliases(in); !reflect.DeepEqual(got, want) {
			t.Errorf("remarkAliases(%q) = %q, want %q", in, got, want)
		}
	}
}
