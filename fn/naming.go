package fn

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// AWS name limits of the resources the stack names.
const (
	maxFunctionName  = 64
	maxRoleName      = 64
	maxPolicyName    = 128
	maxLogGroupName  = 512
	maxAPIName       = 128
	maxAlarmName     = 255
	maxDashboardName = 255
	maxTopicName     = 256
	maxSecretName    = 512
	maxSGName        = 255
	maxAliasName     = 128
	maxAuthorizer    = 128

	// maxObjectName keeps composed resource names usable as label values.
	maxObjectName = 63
	hashLen       = 8
)

// nameSeparator separates the fields of an AWS name: <owner>_<stage>_<app>[_<part>]. Namespaces,
// stages and apps never contain it (parts neither), so the first three fields of a name say
// which stack it is: no two different (namespace, stage, app) give the same AWS name, even in
// one account and region (docs/tenancy.md, rule 14), and every AWS name the stack uses accepts it.
const nameSeparator = "_"

// nameScheme is how a stack's AWS names are built. A stack keeps the scheme it was first
// composed with (keepNameScheme, tenancy.go): renaming would make the provider create new AWS
// resources and orphan the old ones.
type nameScheme int

const (
	// namesInjective: <owner>_<stage>_<app>[_<part>]; an XLambdaStack without a claim has an
	// empty owner field (_<stage>_<app>), so its names differ from every namespace's.
	namesInjective nameScheme = iota
	// namesOwnerFirst: <owner>_<stage>-<app>[-<part>], stacks composed before names were
	// injective (stage perf-x with app svc and stage perf with app x-svc read the same).
	namesOwnerFirst
	// namesWithoutOwner: <stage>-<app>[-<part>], stacks composed before names carried the owner.
	namesWithoutOwner
)

// stackStem is what every AWS name of a stack starts with (see nameScheme). Two stacks of the
// same stage and app in different namespaces therefore never name the same AWS resource.
func stackStem(s *settings) string {
	return stemOf(s.NameScheme, s.Owner, s.Stage, s.App)
}

// stemOf is the stem of a stack of owner, stage and app under scheme.
func stemOf(scheme nameScheme, owner, stage, app string) string {
	switch {
	case scheme == namesWithoutOwner || scheme == namesOwnerFirst && owner == "":
		return stage + "-" + app
	case scheme == namesOwnerFirst:
		return owner + nameSeparator + stage + "-" + app
	}
	return owner + nameSeparator + stage + nameSeparator + app
}

// partSeparator joins the stem and the first part of a name: "_" under the current scheme, "-"
// under the older ones.
func partSeparator(s *settings) string {
	if s.NameScheme == namesInjective {
		return nameSeparator
	}
	return "-"
}

// awsName is the AWS name <stem>[<sep><part>[-<part>...]] (stem from stackStem, sep from
// partSeparator), truncated to limit with a short stable hash of the full name when it is too
// long.
func awsName(limit int, stem, sep string, parts ...string) string {
	n := stem
	for _, p := range parts {
		if p != "" {
			n += sep + p
			sep = "-"
		}
	}
	return fitName(n, limit)
}

// fitName returns name unchanged when it fits, else a prefix and an 8-character hash of the
// whole name, so two long names that share a prefix stay distinct and the result never changes.
func fitName(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	prefix := strings.TrimRight(name[:limit-hashLen-1], "-_/.")
	return prefix + "-" + hex.EncodeToString(sum[:])[:hashLen]
}

// objectSeparator joins the XR's name and a resource key in a composed object's name. Keys never
// contain it (secret names may not, validateSecrets), so the names of two XRs in one namespace never
// match: with a single "-", XR mcp's key api-log-group and XR mcp-api's key log-group would.
const objectSeparator = "--"

// objectName is the Kubernetes name of a composed resource: <xr-name>--<key>, at most 63
// characters, deterministic so Crossplane adopts the same object on every reconcile. A stack
// composed before the separator was "--" keeps <xr-name>-<key> (settings.LegacyObjectNames):
// Crossplane keeps the names of existing composed objects, so references must too.
func objectName(s *settings, key string) string {
	sep := objectSeparator
	if s.LegacyObjectNames {
		sep = "-"
	}
	return fitName(s.XRName+sep+key, maxObjectName)
}

// slug turns free text (a route key, a secret name) into a lower-case RFC 1123 label fragment.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if out == "" {
		return "root"
	}
	return out
}

// slugged is a value (a route key, an email address) and the key fragment of its resource.
type slugged struct {
	Value string // e.g. "POST /mcp"
	Slug  string // e.g. "post-mcp"
}

// maxSlug keeps the keys built from slugs short (route keys and emails can be long).
const maxSlug = 40

// slugsOf gives every value its resource key fragment: its slug (at most maxSlug characters),
// with an 8-character hash of the value appended when two values share a slug (e.g. "GET /a-b"
// and "GET /a/b"), so keys stay unique and never depend on list order.
func slugsOf(values []string) []slugged {
	short := func(v string) string { return fitName(slug(v), maxSlug) }
	count := map[string]int{}
	for _, v := range values {
		count[short(v)]++
	}
	out := make([]slugged, 0, len(values))
	for _, v := range values {
		s := short(v)
		if count[s] > 1 {
			sum := sha256.Sum256([]byte(v))
			s += "-" + hex.EncodeToString(sum[:])[:hashLen]
		}
		out = append(out, slugged{Value: v, Slug: s})
	}
	return out
}
