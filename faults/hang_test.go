package faults

import (
	"context"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		want    map[string]int
		wantErr bool
	}{
		{name: "empty enables nothing", spec: " ", want: nil},
		{name: "steps and counts", spec: "a, b:3", want: map[string]int{"a": 1, "b": 3}},
		{name: "container step", spec: "container-created/init1", want: map[string]int{"container-created/init1": 1}},
		{name: "zero count", spec: "a:0", wantErr: true},
		{name: "bad count", spec: "a:x", wantErr: true},
		{name: "empty step", spec: "a,,b", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.spec, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Parse(%q) error = %v, want error %v", tt.spec, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if tt.want == nil {
				if p != nil {
					t.Fatalf("Parse(%q) = %+v, want nil", tt.spec, p)
				}
				return
			}
			if len(p.at) != len(tt.want) {
				t.Fatalf("Parse(%q) = %v, want %v", tt.spec, p.at, tt.want)
			}
			for k, v := range tt.want {
				if p.at[k] != v {
					t.Errorf("step %q blocks at reach %d, want %d", k, p.at[k], v)
				}
			}
		})
	}
}

// The Nth reach trips, and only it; other steps and a nil set never do.
func TestHangTripsOnlyTheNthReach(t *testing.T) {
	var none *Points
	none.Hang(context.Background(), "a") // must return at once

	p, err := Parse("a:2", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{false, true, false} {
		if got := p.trip("a"); got != want {
			t.Errorf("reach %d of a trips = %v, want %v", i+1, got, want)
		}
	}
	if p.trip("b") {
		t.Error("a step not enabled tripped")
	}

	// A tripped step blocks until its context ends.
	p, _ = Parse("a", nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.Hang(ctx, "a")
}
