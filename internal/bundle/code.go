package bundle

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// S3Code is the spec.function.code.s3 block of a LambdaStack request.
type S3Code struct {
	Bucket        string `json:"bucket"`
	Key           string `json:"key"`
	ObjectVersion string `json:"objectVersion,omitempty"`
}

// YAML renders the block to paste under spec.function:
//
//	code:
//	  s3:
//	    bucket: ...
//	    key: ...
//	    objectVersion: ...   (only when set)
func (c S3Code) YAML() string {
	var b strings.Builder
	b.WriteString("code:\n  s3:\n")
	b.WriteString("    bucket: " + yamlScalar(c.Bucket) + "\n")
	b.WriteString("    key: " + yamlScalar(c.Key) + "\n")
	if c.ObjectVersion != "" {
		b.WriteString("    objectVersion: " + yamlScalar(c.ObjectVersion) + "\n")
	}
	return b.String()
}

// plainSafe matches strings YAML reads back verbatim as plain scalars,
// provided they do not look like a number, boolean or null.
var plainSafe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._/+=-]*$`)

// yamlScalar writes s plain when that is unambiguous, double-quoted
// otherwise (a JSON string is a valid YAML double-quoted scalar).
func yamlScalar(s string) string {
	if plainSafe.MatchString(s) && !looksTyped(s) {
		return s
	}
	q, _ := json.Marshal(s) // marshalling a string cannot fail
	return string(q)
}

// looksTyped reports whether YAML 1.1 or 1.2 could read s as something
// other than a string.
func looksTyped(s string) bool {
	switch strings.ToLower(s) {
	case "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n":
		return true
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
		return true
	}
	_, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64)
	return err == nil
}
