package stackdiff

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// escape writes a key as a JSON pointer token (RFC 6901).
func escape(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
var index = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

// FieldPath writes a JSON pointer as a path a Kubernetes user reads: spec.forProvider.memorySize,
// spec.forProvider.architectures[0], metadata.annotations["crossplane.io/external-name"].
// (A numeric token is shown as a list index.)
func FieldPath(pointer string) string {
	var b strings.Builder
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch {
		case index.MatchString(tok):
			b.WriteString("[" + tok + "]")
		case plainKey.MatchString(tok):
			if b.Len() > 0 {
				b.WriteString(".")
			}
			b.WriteString(tok)
		default:
			q, _ := json.Marshal(tok) // a string always marshals
			b.WriteString("[" + string(q) + "]")
		}
	}
	return b.String()
}

// show writes a value as compact JSON ("(none)" for an absent value).
func show(v any) string {
	if v == nil {
		return "(none)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Display writes one field change: path: old → new (path ⟨inner path⟩ inside a JSON string).
func Display(f Field) string {
	path := FieldPath(f.Path)
	if f.Inner != "" {
		path += " ⟨" + FieldPath(f.Inner) + "⟩"
	}
	switch f.Op {
	case "add":
		return fmt.Sprintf("%s: (none) → %s", path, show(f.New))
	case "remove":
		return fmt.Sprintf("%s: %s → (none)", path, show(f.Old))
	default:
		return fmt.Sprintf("%s: %s → %s", path, show(f.Old), show(f.New))
	}
}

var sign = map[Change]string{Added: "+", Changed: "~", Removed: "-"}

// Write prints the report: a line per resource (+ added, ~ changed, - removed) with the changed
// fields under it, a loud !! line for every resource AWS replaces or deletes (and for a removed
// one it keeps), and a summary.
func Write(w io.Writer, r Report) error {
	var b strings.Builder
	counts := map[Change]int{}
	for _, res := range r.Resources {
		counts[res.Change]++
		fmt.Fprintf(&b, "%s %s (%s %s)\n", sign[res.Change], res.Part, res.Kind, res.Name)
		for _, f := range res.Fields {
			fmt.Fprintf(&b, "    %s\n", Display(f))
		}
		for _, why := range res.Replaced {
			fmt.Fprintf(&b, "  !! REPLACED in AWS: %s (%s %s): %s\n", res.Part, res.Kind, awsName(res), why)
		}
		switch {
		case res.Deleted:
			fmt.Fprintf(&b, "  !! DELETED in AWS: %s (%s %s)\n", res.Part, res.Kind, awsName(res))
		case res.Kept != "":
			fmt.Fprintf(&b, "  !! leaves the stack but stays in AWS: %s (%s %s): %s\n", res.Part, res.Kind, awsName(res), res.Kept)
		}
	}
	for _, region := range r.Regions {
		fmt.Fprintf(&b, "!! REGION DROPPED: every resource of the stack in %s is removed\n", region)
	}
	if !r.HasChanges() {
		b.WriteString("no changes\n")
	} else {
		fmt.Fprintf(&b, "%d to add, %d to change, %d to remove; %d replaced or deleted in AWS\n",
			counts[Added], counts[Changed], counts[Removed], r.Loud())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// awsName is the resource's name in AWS, else its Kubernetes name.
func awsName(r Resource) string {
	if r.AWSName != "" {
		return r.AWSName
	}
	return r.Name
}

// Loud counts the resources AWS replaces or deletes.
func (r Report) Loud() int {
	n := 0
	for _, res := range r.Resources {
		if res.Loud() {
			n++
		}
	}
	return n
}
