package logs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzRead feeds arbitrary bytes to the CRI log reader as a log rotated once (the bytes before
// split in the rotated file, the rest in the current one) and checks it against a plain model:
// no panic or error; every complete line that parses and is not before since shows, in order,
// with its timestamp once per line when asked; lines that do not parse and unfinished last lines
// are skipped; and with tailLines the output is the last tailLines lines of the whole output, plus
// an unfinished partial one.
func FuzzRead(f *testing.F) {
	var seed []byte
	for _, e := range []Entry{
		at(1, Stdout, false, "one"), at(2, Stderr, true, "tw"), at(2, Stderr, false, "o"),
		at(3, Stdout, true, ""), at(3, Stdout, false, ""), at(4, Stdout, true, "unfinished"),
	} {
		seed = appendLine(seed, e)
	}
	f.Add(seed, uint16(40), int16(-1), uint8(0), false)
	f.Add(seed, uint16(0), int16(2), uint8(3), true)
	f.Add([]byte("2026-11-26T00:00:01Z stdout P \n2026-11-26T00:00:02Z stdout F x\n"), uint16(0), int16(1), uint8(0), false)
	f.Add([]byte("garbage\n\n2026-11-26T00:00:01Z stdin F x\n2026-11-26T00:00:01Z stdout F"), uint16(9), int16(0), uint8(0), true)

	f.Fuzz(func(t *testing.T, data []byte, split uint16, tail int16, sinceSec uint8, timestamps bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "0.log")
		cut := min(int(split), len(data))
		files := [][]byte{data}
		if cut > 0 {
			files = [][]byte{data[:cut], data[cut:]}
			if err := os.WriteFile(path+".20261126-000000", files[0], 0o640); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(path, files[len(files)-1], 0o640); err != nil {
			t.Fatal(err)
		}
		var since time.Time
		if sinceSec > 0 {
			since = fixedClock().Add(time.Duration(sinceSec) * time.Second)
		}

		read := func(tailLines int64) []byte {
			var out bytes.Buffer
			opts := ReadOptions{TailLines: tailLines, Since: since, Timestamps: timestamps}
			if err := Read(context.Background(), path, opts, &out); err != nil {
				t.Fatalf("Read(tail %d): %v", tailLines, err)
			}
			return out.Bytes()
		}
		all := read(-1)
		if want := modelOutput(files, since, timestamps); !bytes.Equal(all, want) {
			t.Fatalf("read\n%q\nwant\n%q", all, want)
		}
		if tail < 0 {
			return
		}
		if got, want := read(int64(tail)), lastLines(all, int(tail)); !bytes.Equal(got, want) {
			t.Fatalf("tail %d read\n%q\nwant\n%q", tail, got, want)
		}
	})
}

// modelOutput is what a reader shows of the files' complete lines, written as simply as possible.
func modelOutput(files [][]byte, since time.Time, timestamps bool) []byte {
	var out []byte
	atStart := map[Stream]bool{Stdout: true, Stderr: true}
	for _, data := range files {
		for len(data) > 0 {
			line, rest, complete := bytes.Cut(data, []byte("\n"))
			data = rest
			if !complete {
				break // a line still being written, or cut short by a rotation
			}
			e, err := ParseLine(line)
			if err != nil || (!since.IsZero() && e.Time.Before(since)) {
				continue
			}
			if timestamps && atStart[e.Stream] {
				out = append(out, e.Time.Format(time.RFC3339Nano)+" "...)
			}
			out = append(out, e.Message...)
			if !e.Partial {
				out = append(out, '\n')
			}
			atStart[e.Stream] = !e.Partial
		}
	}
	return out
}

// lastLines is the last n newline-ended lines of out and what follows them.
func lastLines(out []byte, n int) []byte {
	end := bytes.LastIndexByte(out, '\n')
	if end < 0 {
		return out
	}
	start := end
	for range n {
		start = bytes.LastIndexByte(out[:start], '\n')
		if start < 0 {
			return out
		}
	}
	return out[start+1:]
}
