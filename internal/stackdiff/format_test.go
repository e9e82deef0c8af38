package stackdiff

import (
	"bytes"
	"testing"
)

func TestFieldPath(t *testing.T) {
	for ptr, want := range map[string]string{
		"/spec/forProvider/memorySize":                       "spec.forProvider.memorySize",
		"/spec/forProvider/architectures/0":                  "spec.forProvider.architectures[0]",
		"/metadata/annotations/crossplane.io~1external-name": `metadata.annotations["crossplane.io/external-name"]`,
		"/spec/forProvider/tags/lambdastack:app":             `spec.forProvider.tags["lambdastack:app"]`,
		"/spec/forProvider/environment/variables/A~0B":       `spec.forProvider.environment.variables["A~B"]`,
	} {
		if got := FieldPath(ptr); got != want {
			t.Errorf("FieldPath(%q) = %s, want %s", ptr, got, want)
		}
	}
}

func TestDisplay(t *testing.T) {
	for _, c := range []struct {
		f    Field
		want string
	}{
		{Field{Op: "replace", Path: "/spec/forProvider/memorySize", Old: int64(256), New: int64(512)}, "spec.forProvider.memorySize: 256 → 512"},
		{Field{Op: "add", Path: "/spec/forProvider/layers", New: []any{"arn:l"}}, `spec.forProvider.layers: (none) → ["arn:l"]`},
		{Field{Op: "remove", Path: "/spec/forProvider/description", Old: "x"}, `spec.forProvider.description: "x" → (none)`},
	} {
		if got := Display(c.f); got != c.want {
			t.Errorf("Display(%+v) = %s, want %s", c.f, got, c.want)
		}
	}
}

func TestWriteNoChanges(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, Report{}); err != nil || b.String() != "no changes\n" {
		t.Fatalf("%q %v", b.String(), err)
	}
}
