package screen

import (
	"testing"
	"unsafe"
)

// TestVocabLayout keeps a vocabulary entry a whole number of cache lines
// with the hot fields of its token in the first one (see Token).
func TestVocabLayout(t *testing.T) {
	var e vocabEntry
	if n := unsafe.Sizeof(e); n%64 != 0 {
		t.Errorf("vocabEntry is %d bytes, not a multiple of 64: adjust vocabPad", n)
	}
	tk := &e.tok
	for name, end := range map[string]uintptr{
		"Text": unsafe.Offsetof(tk.Text) + unsafe.Sizeof(tk.Text),
		"Key":  unsafe.Offsetof(tk.Key) + unsafe.Sizeof(tk.Key),
		"Kind": unsafe.Offsetof(tk.Kind) + 1, "mask": unsafe.Offsetof(tk.kmask) + 4,
		"Country": unsafe.Offsetof(tk.Country) + unsafe.Sizeof(tk.Country),
	} {
		if end > 64 {
			t.Errorf("Token.%s ends at byte %d, outside the first cache line", name, end)
		}
	}
}
