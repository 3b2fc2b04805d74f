package logs

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// LoggerCommand is the one key of the log URI containerd's runc shim turns into the arguments of
// the container log driver, cmd/minikubelet-logger (cio.BinaryIO). The shim passes the URI's
// query as "key value" arguments in map order, so the whole configuration travels as the value of
// this one key: `minikubelet-logger container-logger 'path=...&max-size=...&max-files=...'`.
const LoggerCommand = "container-logger"

// LoggerConfig is what the container logger needs: where to write and when to rotate.
type LoggerConfig struct {
	Path     string
	MaxSize  int64
	MaxFiles int
}

// Encode is the argument the shim passes to the logger.
func (c LoggerConfig) Encode() string {
	return url.Values{
		"path":      {c.Path},
		"max-size":  {strconv.FormatInt(c.MaxSize, 10)},
		"max-files": {strconv.Itoa(c.MaxFiles)},
	}.Encode()
}

// ParseLoggerConfig reads what Encode wrote.
func ParseLoggerConfig(s string) (LoggerConfig, error) {
	v, err := url.ParseQuery(s)
	if err != nil {
		return LoggerConfig{}, fmt.Errorf("container logger config: %w", err)
	}
	c := LoggerConfig{Path: v.Get("path")}
	if c.Path == "" {
		return LoggerConfig{}, errors.New("container logger config: no path")
	}
	if c.MaxSize, err = strconv.ParseInt(v.Get("max-size"), 10, 64); err != nil {
		return LoggerConfig{}, fmt.Errorf("container logger config: max-size: %w", err)
	}
	if c.MaxFiles, err = strconv.Atoi(v.Get("max-files")); err != nil {
		return LoggerConfig{}, fmt.Errorf("container logger config: max-files: %w", err)
	}
	return c, nil
}

// RunLogger opens the log file, calls ready, and copies both streams into it until both end.
// Only the file failing to open stops it early; write errors drop lines but keep the streams
// drained, so the container never blocks on a full pipe.
func RunLogger(cfg LoggerConfig, stdout, stderr io.Reader, ready func(), now func() time.Time) error {
	file, err := OpenRotatingFile(cfg.Path, cfg.MaxSize, cfg.MaxFiles, now)
	if err != nil {
		return err
	}
	ready()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []struct {
		r      io.Reader
		stream Stream
	}{{stdout, Stdout}, {stderr, Stderr}} {
		if s.r == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = CopyStream(s.r, s.stream, file, now)
		}()
	}
	wg.Wait()
	return errors.Join(errors.Join(errs...), file.Close())
}
