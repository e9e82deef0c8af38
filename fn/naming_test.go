package fn

import (
	"strings"
	"testing"
)

func TestAWSName(t *testing.T) {
	long := strings.Repeat("a", 60)
	cases := map[string]struct {
		limit        int
		stage, app   string
		parts        []string
		want         string
		wantLen      int
		wantPrefixOf string
	}{
		"short":           {limit: 64, stage: "dev", app: "mcp", want: "dev-mcp"},
		"with part":       {limit: 64, stage: "prod", app: "mcp", parts: []string{"role"}, want: "prod-mcp-role"},
		"empty part":      {limit: 64, stage: "prod", app: "mcp", parts: []string{""}, want: "prod-mcp"},
		"exactly limit":   {limit: 13, stage: "prod", app: "mcp", parts: []string{"role"}, want: "prod-mcp-role"},
		"one over limit":  {limit: 12, stage: "prod", app: "mcp", parts: []string{"role"}, wantLen: 12, wantPrefixOf: "prod-mcp-role"},
		"truncated":       {limit: 64, stage: "staging", app: long, parts: []string{"role"}, wantLen: 64, wantPrefixOf: "staging-" + long},
		"truncated small": {limit: 20, stage: "prod", app: "service-with-a-long-name", wantLen: 20, wantPrefixOf: "prod-service"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := awsName(tc.limit, tc.stage, tc.app, tc.parts...)
			if len(got) > tc.limit {
				t.Fatalf("%q is %d characters, limit %d", got, len(got), tc.limit)
			}
			if tc.want != "" && got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if tc.wantLen != 0 && len(got) != tc.wantLen {
				t.Errorf("got %q (%d), want length %d", got, len(got), tc.wantLen)
			}
			if tc.wantPrefixOf != "" && !strings.HasPrefix(tc.wantPrefixOf, got[:len(got)-9]) {
				t.Errorf("%q does not keep a prefix of %q", got, tc.wantPrefixOf)
			}
		})
	}
}

func TestFitNameIsStableAndDistinct(t *testing.T) {
	a := strings.Repeat("x", 70) + "-role"
	b := strings.Repeat("x", 70) + "-policy"
	if fitName(a, 64) != fitName(a, 64) {
		t.Fatal("not deterministic")
	}
	if fitName(a, 64) == fitName(b, 64) {
		t.Fatalf("two long names sharing a prefix collide: %q", fitName(a, 64))
	}
	if got := fitName("dev-mcp", 64); got != "dev-mcp" {
		t.Fatalf("a short name changed: %q", got)
	}
}

func TestObjectName(t *testing.T) {
	if got := objectName("mcp", "role"); got != "mcp-role" {
		t.Errorf("got %q", got)
	}
	long := objectName(strings.Repeat("n", 80), "usage-log-group-by-function")
	if len(long) > 63 {
		t.Errorf("%q is longer than 63", long)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"POST /mcp":       "post-mcp",
		"ANY /{proxy+}":   "any-proxy",
		"$default":        "default",
		"GET /v1/Items/x": "get-v1-items-x",
		"/":               "root",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}
