package execstream

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestFramesRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	big := bytes.Repeat([]byte("z"), MaxPayload+10)
	frames := []struct {
		t Type
		p []byte
	}{
		{Stdout, []byte("hello")},
		{StdinClose, nil},
		{Resize, EncodeResize(80, 24)},
		{Stderr, big},
		{Exit, EncodeExit(-1)},
	}
	for _, f := range frames {
		if err := w.WriteFrame(f.t, f.p); err != nil {
			t.Fatal(err)
		}
	}
	read := func() (Type, []byte) {
		t.Helper()
		typ, p, err := ReadFrame(&buf)
		if err != nil {
			t.Fatal(err)
		}
		return typ, p
	}
	if typ, p := read(); typ != Stdout || string(p) != "hello" {
		t.Errorf("frame 1 = %d %q", typ, p)
	}
	if typ, p := read(); typ != StdinClose || len(p) != 0 {
		t.Errorf("frame 2 = %d %q", typ, p)
	}
	typ, p := read()
	if w, h, err := DecodeResize(p); typ != Resize || err != nil || w != 80 || h != 24 {
		t.Errorf("resize = %d %d %d %v", typ, w, h, err)
	}
	// A payload past MaxPayload comes as two frames of the same type.
	_, p1 := read()
	typ, p2 := read()
	if typ != Stderr || !bytes.Equal(append(p1, p2...), big) {
		t.Errorf("big payload: %d + %d bytes", len(p1), len(p2))
	}
	typ, p = read()
	if code, err := DecodeExit(p); typ != Exit || err != nil || code != -1 {
		t.Errorf("exit = %d %d %v", typ, code, err)
	}
	if _, _, err := ReadFrame(&buf); !errors.Is(err, io.EOF) {
		t.Errorf("after the last frame: %v, want EOF", err)
	}
}

func TestReadFrameRefusesHugeFrames(t *testing.T) {
	if _, _, err := ReadFrame(bytes.NewReader([]byte{1, 0xff, 0xff, 0xff, 0xff})); err == nil {
		t.Fatal("a 4 GiB frame was accepted")
	}
	if _, _, err := ReadFrame(bytes.NewReader([]byte{1, 0, 0, 0, 5, 'a'})); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short frame: %v, want unexpected EOF", err)
	}
}
