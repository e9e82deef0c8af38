package main

import (
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spec3/lambdastack/internal/outputs"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the --help blocks of docs/app-teams.md")

const appTeams = "../../docs/app-teams.md"

var helpBlock = regexp.MustCompile("(?s)<!-- help: ([a-z]+) -->\n```text\n(.*?)```\n<!-- /help -->")

// Each command's -h output stands verbatim in docs/app-teams.md (go test ./cmd/lambdastack
// -update-docs rewrites the blocks).
func TestHelpMatchesAppTeamsPage(t *testing.T) {
	raw, err := os.ReadFile(appTeams)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	var seen []string
	doc = helpBlock.ReplaceAllStringFunc(doc, func(block string) string {
		m := helpBlock.FindStringSubmatch(block)
		seen = append(seen, m[1])
		code, stdout, stderr := runCLI(t, m[1], "-h")
		if code != 0 || stdout != "" {
			t.Errorf("%s -h: exit %d, stdout %q", m[1], code, stdout)
		}
		if stderr != m[2] && !*updateDocs {
			t.Errorf("docs/app-teams.md: the help block of %s differs from `lambdastack %s -h` (go test ./cmd/lambdastack -update-docs):\n%s", m[1], m[1], stderr)
		}
		return strings.Replace(block, m[2], stderr, 1)
	})
	if want := []string{"diff", "deploy", "invoke", "logs"}; !slices.Equal(seen, want) {
		t.Errorf("help blocks %v, want %v", seen, want)
	}
	if *updateDocs {
		if err := os.WriteFile(appTeams, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var keyRow = regexp.MustCompile("(?m)^\\| `([^`]+)` \\|")

// The outputs table of docs/app-teams.md names exactly the keys of internal/outputs.
func TestOutputsTableMatchesContract(t *testing.T) {
	raw, err := os.ReadFile(appTeams)
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(raw), "<!-- outputs-keys")
	table, _, _ = strings.Cut(table, "<!-- /outputs-keys -->")
	var got []string
	for _, m := range keyRow.FindAllStringSubmatch(table, -1) {
		got = append(got, strings.TrimSuffix(m[1], "<part>"))
	}
	if !slices.Equal(got, outputs.Keys) {
		t.Errorf("docs/app-teams.md outputs table has keys %q, internal/outputs has %q", got, outputs.Keys)
	}
}
