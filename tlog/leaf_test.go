package tlog_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/vigil-hrdd/vigil/tlog"
)

func TestLeafEncodingIsCanonicalJSON(t *testing.T) {
	ev := mustEvent(t, 42)
	for _, typ := range []string{"party.created", `odd "type"\with<html>&é`, "tab\there"} {
		ev.Type = typ
		l := tlog.LeafOf(ev)
		got := l.Marshal()
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(l); err != nil {
			t.Fatal(err)
		}
		if string(got)+"\n" != want.String() {
			t.Fatalf("Marshal = %s, encoding/json = %s", got, want.String())
		}
		back, err := tlog.ParseLeaf(got)
		if err != nil || back != l {
			t.Fatalf("ParseLeaf(%s) = %+v, %v", got, back, err)
		}
	}
	for _, bad := range []string{
		`{"v":1,"commitment":"00","type":"x","time":"2026-11-30T00:00:00Z"}`,
		`{"commitment":"` + tlog.LeafOf(ev).Commitment + `","v":1,"type":"x","time":"2026-11-30T00:00:00Z"}`,
		`{"v":1, "commitment":"` + tlog.LeafOf(ev).Commitment + `","type":"x","time":"2026-11-30T00:00:00Z"}`,
		`{"v":1,"commitment":"` + tlog.LeafOf(ev).Commitment + `","type":"x","time":"2026-11-30T00:00:00Z","extra":1}`,
		`{"v":2,"commitment":"` + tlog.LeafOf(ev).Commitment + `","type":"x","time":"2026-11-30T00:00:00Z"}`,
		`{"v":1,"commitment":"` + tlog.LeafOf(ev).Commitment + `","type":"x","time":"yesterday"}`,
	} {
		if _, err := tlog.ParseLeaf([]byte(bad)); err == nil {
			t.Errorf("ParseLeaf accepted %s", bad)
		}
	}
	if bytes.Contains(tlog.LeafOf(ev).Marshal(), []byte("confidential")) {
		t.Fatal("leaf carries the payload")
	}
}
