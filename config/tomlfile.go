package config

import (
	"fmt"
	"slices"
	"strings"
)

// tomlFile is config.toml's text, for naming the line of a key: toml's
// MetaData does not export key positions, and our own checks need them.
type tomlFile struct{ path, content string }

// line is where key is assigned inside [table] ("" = top level); 0 = not found.
func (f tomlFile) line(table, key string) int { return keyLine(f.content, table, key) }

// source is the Sources value of a key read from the file: "file PATH:LINE".
func (f tomlFile) source(table, key string) string {
	return fmt.Sprintf("file %s:%d", f.path, f.line(table, key))
}

// typeErr is a value of the wrong type, with its file, line and key.
func (f tomlFile) typeErr(table, key, want string) error {
	name := key
	if table != "" {
		name = table + "." + key
	}
	return &SettingError{File: f.path, Line: f.line(table, key), Key: name, Msg: "must be " + want}
}

func stringList(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return strings.Fields(v), true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// keyLine finds the 1-based line where key is assigned inside [table]
// ("" = top level, also matching "table.key = ..."). toml's MetaData does
// not export key positions, and our own checks need them. 0 = not found.
func keyLine(content, table, key string) int {
	current := ""
	for i, line := range strings.Split(content, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			current = strings.Trim(strings.TrimSpace(strings.Trim(line, "[]")), `"'`)
			if j := strings.IndexByte(line, ']'); j > 0 {
				current = strings.Trim(strings.TrimSpace(line[1:j]), `"'[]`)
			}
			if table == "" && (current == key || strings.HasPrefix(current, key+".")) {
				return i + 1 // the key is a table
			}
			continue
		}
		lhs, _, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		lhs = strings.TrimSpace(lhs)
		unquoted := strings.Trim(lhs, `"'`)
		if current == table && unquoted == key {
			return i + 1
		}
		if current == "" && table != "" && strings.ReplaceAll(lhs, " ", "") == table+"."+key {
			return i + 1
		}
	}
	return 0
}
