// Package execstream is the wire protocol of `minikubelet exec` on the agent's socket. The client
// sends POST /exec/{namespace}/{pod}/{container}?command=...&stdin=true&tty=true&width=W&height=H
// with "Connection: Upgrade" and "Upgrade: minikubelet-exec/1"; after a 101 answer both sides
// exchange frames on the connection:
//
//	type (1 byte) | payload length (4 bytes, big endian) | payload
//
// Client to agent: Stdin data, StdinClose, Resize (width, height: 2 bytes each, big endian).
// Agent to client: Stdout and Stderr data, then one Exit (exit code: 4 bytes, big endian) or
// Error (a message) and the agent closes the connection. A client that goes away ends the
// process.
package execstream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Protocol is the value of the Upgrade header.
const Protocol = "minikubelet-exec/1"

// Type is a frame's kind.
type Type byte

const (
	Stdin      Type = 0
	Stdout     Type = 1
	Stderr     Type = 2
	Resize     Type = 3
	StdinClose Type = 4
	Exit       Type = 5
	Error      Type = 6
)

// MaxPayload bounds a frame, so that garbage cannot make a side allocate without limit.
const MaxPayload = 1 << 20

const headerSize = 5

// ReadFrame reads one frame.
func ReadFrame(r io.Reader) (Type, []byte, error) {
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[1:])
	if n > MaxPayload {
		return 0, nil, fmt.Errorf("exec stream: frame of %d bytes is larger than %d", n, MaxPayload)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, fmt.Errorf("exec stream: read frame: %w", err)
	}
	return Type(h[0]), payload, nil
}

// Writer writes whole frames; several goroutines may share it.
type Writer struct {
	mu sync.Mutex // one frame at a time
	w  io.Writer
}

// NewWriter returns a frame writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteFrame writes one frame, splitting payloads larger than MaxPayload.
func (fw *Writer) WriteFrame(t Type, payload []byte) error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	for first := true; first || len(payload) > 0; first = false {
		chunk := payload[:min(len(payload), MaxPayload)]
		payload = payload[len(chunk):]
		buf := make([]byte, headerSize+len(chunk))
		buf[0] = byte(t)
		binary.BigEndian.PutUint32(buf[1:], uint32(len(chunk)))
		copy(buf[headerSize:], chunk)
		if _, err := fw.w.Write(buf); err != nil {
			return fmt.Errorf("exec stream: write frame: %w", err)
		}
	}
	return nil
}

// Stream returns an io.Writer whose every Write becomes a frame of type t.
func (fw *Writer) Stream(t Type) io.Writer { return streamWriter{fw: fw, t: t} }

type streamWriter struct {
	fw *Writer
	t  Type
}

func (s streamWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := s.fw.WriteFrame(s.t, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// EncodeResize is a Resize payload.
func EncodeResize(width, height uint16) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint16(b, width)
	binary.BigEndian.PutUint16(b[2:], height)
	return b
}

// DecodeResize reads a Resize payload.
func DecodeResize(p []byte) (width, height uint16, err error) {
	if len(p) != 4 {
		return 0, 0, fmt.Errorf("exec stream: resize payload of %d bytes, want 4", len(p))
	}
	return binary.BigEndian.Uint16(p), binary.BigEndian.Uint16(p[2:]), nil
}

// EncodeExit is an Exit payload.
func EncodeExit(code int) []byte {
	return binary.BigEndian.AppendUint32(nil, uint32(int32(code)))
}

// DecodeExit reads an Exit payload.
func DecodeExit(p []byte) (int, error) {
	if len(p) != 4 {
		return 0, fmt.Errorf("exec stream: exit payload of %d bytes, want 4", len(p))
	}
	return int(int32(binary.BigEndian.Uint32(p))), nil
}
