package report_test

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
)

// checkPDF renders every page of a PDF with pdftoppm and checks that
// there are at least minPages and that none is blank.
func checkPDF(t *testing.T, path string, minPages int) {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		if os.Getenv("VIGIL_REQUIRE_PDFTOPPM") == "1" {
			t.Fatalf("VIGIL_REQUIRE_PDFTOPPM=1 but pdftoppm is not installed (Debian package poppler-utils): %v", err)
		}
		t.Logf("SKIP LOUDLY: pdftoppm not installed (Debian package poppler-utils); the PDF pages of %s are not checked as images", path)
		return
	}
	out := t.TempDir()
	if b, err := exec.Command("pdftoppm", "-png", "-r", "50", path, filepath.Join(out, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm %s: %v\n%s", path, err, b)
	}
	pages, err := filepath.Glob(filepath.Join(out, "page*.png"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(pages)
	if len(pages) < minPages {
		t.Fatalf("%s has %d pages, want at least %d", path, len(pages), minPages)
	}
	for _, p := range pages {
		img := readPNG(t, p)
		if v := variance(img); v < 50 {
			t.Errorf("%s: page %s looks blank (pixel variance %.1f)", path, filepath.Base(p), v)
		}
	}
}

func readPNG(t *testing.T, path string) image.Image {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// variance is the variance of the grey level over the page: a blank page
// is near 0, a page of text some hundreds.
func variance(img image.Image) float64 {
	b := img.Bounds()
	var sum, sq, n float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			v := (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
			sum += v
			sq += v * v
			n++
		}
	}
	mean := sum / n
	return sq/n - mean*mean
}
