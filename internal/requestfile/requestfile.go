// Package requestfile edits a LambdaStack request file in place through its YAML node tree
// (go.yaml.in/yaml/v3): the new spec.function.code goes where the old one was, and every other
// key, its order and the comments stay.
package requestfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/spec3/lambdastack/internal/bundle"
)

// SetCode writes code as spec.function.code of the request in file (a single YAML document)
// and reports whether the file changed. The image or S3 block that was there is replaced; a
// comment on the code key or inside the old block is kept on the code key.
func SetCode(file string, code bundle.S3Code) (changed bool, err error) {
	old, err := os.ReadFile(file)
	if err != nil {
		return false, err
	}
	out, err := withCode(old, code)
	if err != nil {
		return false, fmt.Errorf("%s: %w", file, err)
	}
	if bytes.Equal(out, old) {
		return false, nil
	}
	info, err := os.Stat(file)
	if err != nil {
		return false, err
	}
	return true, os.WriteFile(file, out, info.Mode().Perm())
}

// withCode is SetCode on the file's bytes.
func withCode(data []byte, code bundle.S3Code) ([]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, more yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, errors.New("want one YAML document holding the request, found more")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("want one YAML document holding the request (a mapping)")
	}
	fn, err := mapping(doc.Content[0], "spec", "function")
	if err != nil {
		return nil, err
	}
	set(fn, "code", codeNode(code))
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(indentOf(doc.Content[0]))
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// mapping walks down keys from m, creating a missing mapping at the end of its parent.
func mapping(m *yaml.Node, keys ...string) (*yaml.Node, error) {
	for i, k := range keys {
		v := value(m, k)
		if v == nil {
			v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, v)
		}
		if v.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: want a mapping", joined(keys[:i+1]))
		}
		m = v
	}
	return m, nil
}

func joined(keys []string) string {
	var b bytes.Buffer
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(k)
	}
	return b.String()
}

// value is the value node of key in mapping m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// set replaces the value of key in m (keeping the key node and its comments, and the head
// comment of the old value), or appends key: v.
func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			old := m.Content[i+1]
			v.HeadComment, v.LineComment, v.FootComment = old.HeadComment, old.LineComment, old.FootComment
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// codeNode is code: {s3: {bucket, key[, objectVersion]}} as a block mapping.
func codeNode(code bundle.S3Code) *yaml.Node {
	s3 := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	add := func(k, v string) {
		s3.Content = append(s3.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
	}
	add("bucket", code.Bucket)
	add("key", code.Key)
	if code.ObjectVersion != "" {
		add("objectVersion", code.ObjectVersion)
	}
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: "s3"}, s3}}
}

// indentOf is the indentation the file uses: the column of the first nested key (2 when none).
func indentOf(root *yaml.Node) int {
	for i := 1; i < len(root.Content); i += 2 {
		if v := root.Content[i]; v.Kind == yaml.MappingNode && len(v.Content) > 0 {
			if n := v.Content[0].Column - 1; n > 0 {
				return n
			}
		}
	}
	return 2
}
