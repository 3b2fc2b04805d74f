package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// quantityParent tells the keys whose members are quantities by resource name.
func quantityParent(key string) bool {
	return key == "limits" || key == "requests" || key == "overhead"
}

// quantityKey tells the keys that are quantities themselves.
func quantityKey(key string) bool { return key == "sizeLimit" }

// quantityError names the field of a quantity the decoder could not parse. Quantity's own
// decoder reports only the format, not where it was, so the document is walked for the first
// quantity that fails to parse.
func quantityError(err error, js []byte) (FileError, bool) {
	if !errors.Is(err, resource.ErrFormatWrong) && !strings.Contains(err.Error(), "quantities must match") {
		return FileError{}, false
	}
	var doc any
	if json.Unmarshal(js, &doc) != nil {
		return FileError{}, false
	}
	path, value, found := badQuantity(doc, "", false)
	if !found {
		return FileError{}, false
	}
	return FileError{Field: path, Message: fmt.Sprintf("Invalid value: %q: quantities must match the regular expression '%s'",
		value, `^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$`)}, true
}

// badQuantity walks the document in key order and returns the path and text of the first value
// in a quantity position that does not parse. inList says node's members are quantities by
// name (under limits, requests, overhead).
func badQuantity(node any, path string, inList bool) (string, string, bool) {
	switch n := node.(type) {
	case map[string]any:
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := path + "." + k
			if inList {
				child = path + "[" + k + "]"
			}
			if inList || quantityKey(k) {
				if s, bad := unparsable(n[k]); bad {
					return strings.TrimPrefix(child, "."), s, true
				}
				continue
			}
			if p, v, ok := badQuantity(n[k], child, quantityParent(k)); ok {
				return p, v, true
			}
		}
	case []any:
		for i, item := range n {
			if p, v, ok := badQuantity(item, fmt.Sprintf("%s[%d]", path, i), false); ok {
				return p, v, true
			}
		}
	}
	return "", "", false
}

func unparsable(v any) (string, bool) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case float64:
		s = fmt.Sprint(x)
	default:
		return fmt.Sprint(v), true
	}
	_, err := resource.ParseQuantity(s)
	return s, err != nil
}
