package volume

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	v1 "k8s.io/api/core/v1"
)

// checkHostPath applies a hostPath volume's type, creating what the *OrCreate types ask for.
func checkHostPath(hp *v1.HostPathVolumeSource) error {
	typ := v1.HostPathUnset
	if hp.Type != nil {
		typ = *hp.Type
	}
	st, err := os.Stat(hp.Path)
	missing := errors.Is(err, fs.ErrNotExist)
	if err != nil && !missing {
		return fmt.Errorf("stat %s: %w", hp.Path, err)
	}
	want := func(ok bool, what string) error {
		if missing {
			return fmt.Errorf("hostPath type check failed: %s does not exist (type %s)", hp.Path, typ)
		}
		if !ok {
			return fmt.Errorf("hostPath type check failed: %s is not a %s", hp.Path, what)
		}
		return nil
	}
	switch typ {
	case v1.HostPathUnset:
		return nil
	case v1.HostPathDirectoryOrCreate:
		if missing {
			if err := os.MkdirAll(hp.Path, 0o755); err != nil {
				return fmt.Errorf("create hostPath directory: %w", err)
			}
			return nil
		}
		return want(st.IsDir(), "directory")
	case v1.HostPathDirectory:
		return want(!missing && st.IsDir(), "directory")
	case v1.HostPathFileOrCreate:
		if missing {
			f, err := os.OpenFile(hp.Path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if err != nil && !errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("create hostPath file: %w", err)
			}
			if f != nil {
				f.Close()
			}
			return nil
		}
		return want(st.Mode().IsRegular(), "file")
	case v1.HostPathFile:
		return want(!missing && st.Mode().IsRegular(), "file")
	case v1.HostPathSocket:
		return want(!missing && st.Mode()&fs.ModeSocket != 0, "socket")
	case v1.HostPathCharDev:
		return want(!missing && st.Mode()&fs.ModeCharDevice != 0, "character device")
	case v1.HostPathBlockDev:
		return want(!missing && st.Mode()&fs.ModeDevice != 0 && st.Mode()&fs.ModeCharDevice == 0, "block device")
	default:
		return fmt.Errorf("unknown hostPath type %q", typ)
	}
}
