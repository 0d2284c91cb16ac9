package main

import (
	"os"
	"strings"
	"testing"
)

func TestZZScreenReal(t *testing.T) {
	a := os.Getenv("VIGIL_SCREEN_ARGS")
	if a == "" {
		t.Skip()
	}
	cmd := newScreenCmd()
	cmd.SetArgs(strings.Fields(a))
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
}
