package manifest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	tests := []struct {
		name  string
		s     string
		limit int
		want  string
	}{
		{name: "short", s: "abc", limit: 8, want: "abc"},
		{name: "at the limit", s: "abcdefgh", limit: 8, want: "abcdefgh"},
		{name: "long", s: strings.Repeat("a", 10) + strings.Repeat("b", 100) + strings.Repeat("c", 10), limit: 40, want: strings.Repeat("a", 10) + strings.Repeat("b", 20) + "...(80 bytes left out)..." + strings.Repeat("c", 10)},
		// "é" is 2 bytes: the cuts move to rune boundaries (head 30 -> 30, tail start 230 -> 230).
		{name: "two-byte runes", s: strings.Repeat("é", 120), limit: 40, want: strings.Repeat("é", 15) + "...(200 bytes left out)..." + strings.Repeat("é", 5)},
		// "€" is 3 bytes: head 30 bytes is 10 runes; the tail start 350 moves to 351.
		{name: "three-byte runes", s: strings.Repeat("€", 120), limit: 40, want: strings.Repeat("€", 10) + "...(321 bytes left out)..." + strings.Repeat("€", 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clip(tt.s, tt.limit)
			if got != tt.want {
				t.Errorf("clip = %q, want %q", got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("clip = %q: not valid UTF-8", got)
			}
		})
	}
}
