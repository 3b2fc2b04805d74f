package expansion

import "testing"

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "alpha", "B": "beta", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	tests := []struct {
		name, in, want string
	}{
		{name: "plain", in: "hello", want: "hello"},
		{name: "one var", in: "$(A)", want: "alpha"},
		{name: "embedded", in: "x-$(A)-$(B)-y", want: "x-alpha-beta-y"},
		{name: "unknown kept", in: "$(NOPE)", want: "$(NOPE)"},
		{name: "escaped", in: "$$(A)", want: "$(A)"},
		{name: "double dollar", in: "a$$b", want: "a$b"},
		{name: "lone dollar", in: "cost $5", want: "cost $5"},
		{name: "trailing dollar", in: "a$", want: "a$"},
		{name: "unclosed", in: "$(A", want: "$(A"},
		{name: "empty value", in: "[$(EMPTY)]", want: "[]"},
		{name: "empty name", in: "$()", want: "$()"},
		{name: "shell var untouched", in: "${A} $A", want: "${A} $A"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Expand(tc.in, lookup); got != tc.want {
				t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
