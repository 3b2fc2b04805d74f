package manifest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"

	sigsjson "sigs.k8s.io/json"
)

// yamlErrors turns a YAML parser error into FileErrors, with line numbers counted from the
// start of the file when startLine is known (>0), else from the start of the document.
func yamlErrors(err error, startLine int) []FileError {
	msg := err.Error()
	// "yaml: unmarshal errors:\n  line 6: key \"name\" already set in map\n  line 9: ..."
	if rest, ok := strings.CutPrefix(msg, "yaml: unmarshal errors:\n"); ok {
		var errs []FileError
		for _, line := range strings.Split(rest, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				errs = append(errs, FileError{Message: "invalid YAML: " + shiftLine(line, startLine)})
			}
		}
		if len(errs) > 0 {
			return errs
		}
	}
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	return []FileError{{Message: "invalid YAML: " + shiftLine(msg, startLine)}}
}

// shiftLine rewrites a leading "line N" of a parser message, counted within a document that
// starts on file line startLine, into the file's line number.
func shiftLine(msg string, startLine int) string {
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok || startLine <= 0 {
		return msg
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsDigit(r) })
	if end <= 0 {
		return msg
	}
	n, err := strconv.Atoi(rest[:end])
	if err != nil {
		return msg
	}
	return fmt.Sprintf("line %d%s", n+startLine-1, rest[end:])
}

// strictError turns one strict-decoding error of sigs.k8s.io/json into a FileError naming the
// field, as kubectl's validation prints it: `spec.replicas: unknown field`.
func strictError(err error) FileError {
	fe, ok := err.(sigsjson.FieldError)
	if !ok {
		return FileError{Message: err.Error()}
	}
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "unknown field "):
		msg = "unknown field"
	case strings.HasPrefix(msg, "duplicate field "):
		msg = "duplicate field"
	}
	return FileError{Field: fe.FieldPath(), Message: msg}
}

// decodeError turns an error of the JSON decoder (other than a strict error) into a FileError.
// For a type error ("a string where an int goes") it names the field with its list indices,
// found by walking the document.
func decodeError(err error, js []byte) FileError {
	path, given, want, ok := typeErrorParts(err)
	if !ok {
		if fe, found := quantityError(err, js); found {
			return fe
		}
		return FileError{Message: "invalid value: " + err.Error()}
	}
	var doc any
	if json.Unmarshal(js, &doc) == nil {
		if located, found := locate(doc, path, given); found {
			return FileError{Field: strings.TrimPrefix(located, "."), Message: fmt.Sprintf("Invalid type. Expected: %s, given: %s", want, given)}
		}
	}
	return FileError{Field: strings.Join(path, "."), Message: fmt.Sprintf("Invalid type. Expected: %s, given: %s", want, given)}
}

// typeErrorParts reads the fields of the decoder's UnmarshalTypeError. That type lives in an
// internal package of sigs.k8s.io/json, so its exported fields are read by reflection: Field
// is the dotted path without list indices ("spec.containers.ports.containerPort"), Value the
// JSON kind given ("string", "number 1.5"), Type the Go type expected.
func typeErrorParts(err error) (path []string, given, want string, ok bool) {
	v := reflect.ValueOf(err)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type().Name() != "UnmarshalTypeError" {
		return nil, "", "", false
	}
	fieldV, valueV, typeV := v.FieldByName("Field"), v.FieldByName("Value"), v.FieldByName("Type")
	if fieldV.Kind() != reflect.String || valueV.Kind() != reflect.String || !typeV.IsValid() {
		return nil, "", "", false
	}
	goType, _ := typeV.Interface().(reflect.Type)
	for _, seg := range strings.Split(fieldV.String(), ".") {
		// Embedded structs (ProbeHandler) show up as capitalised segments; JSON names never are.
		if seg != "" && !unicode.IsUpper([]rune(seg)[0]) {
			path = append(path, seg)
		}
	}
	given, _, _ = strings.Cut(valueV.String(), " ")
	if given == "bool" {
		given = "boolean"
	}
	return path, given, kindName(goType), true
}

// kindName names a Go type as a JSON type.
func kindName(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return t.String()
}

// locate finds, in a generic JSON document, the first value at path whose JSON kind is given,
// and returns its full path with list indices and map keys (".spec.containers[1].ports[0].containerPort").
func locate(v any, path []string, given string) (string, bool) {
	if len(path) == 0 {
		if genericKind(v) == given {
			return "", true
		}
		// The error may be about an element of a list or a value of a map at this path.
		switch x := v.(type) {
		case []any:
			for i, e := range x {
				if genericKind(e) == given {
					return fmt.Sprintf("[%d]", i), true
				}
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if genericKind(x[k]) == given {
					return fmt.Sprintf("[%s]", k), true
				}
			}
		}
		return "", false
	}
	switch x := v.(type) {
	case map[string]any:
		child, ok := x[path[0]]
		if !ok {
			return "", false
		}
		rest, ok := locate(child, path[1:], given)
		return "." + path[0] + rest, ok
	case []any:
		for i, e := range x {
			if rest, ok := locate(e, path, given); ok {
				return fmt.Sprintf("[%d]%s", i, rest), true
			}
		}
	}
	return "", false
}

func genericKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "unknown"
}
