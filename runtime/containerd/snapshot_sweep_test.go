package containerd

import "testing"

func TestIsContainerID(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{key: newID(), want: true},
		{key: "3ed04c9dd674ff43ac77c5d2975da771", want: true},
		{key: "3ED04C9DD674FF43AC77C5D2975DA771", want: false},
		{key: "3ed04c9dd674ff43ac77c5d2975da77", want: false},
		{key: "extract-263491283-Jz1c sha256:2819d4e022c9bed80e2b8e2146db3a542ac245f66be752fbb76b39d423f759b8", want: false},
		{key: "sha256:2819d4e022c9bed80e2b8e2146db3a542ac245f66be752fbb76b39d423f759b8", want: false},
	}
	for _, tt := range tests {
		if got := isContainerID(tt.key); got != tt.want {
			t.Errorf("isContainerID(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}
