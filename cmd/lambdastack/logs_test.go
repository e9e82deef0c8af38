package main

import (
	"strings"
	"testing"
)

func TestLogsArguments(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"logs"}, 2, "want the stack's name, got 0 arguments"},
		{[]string{"logs", "a", "b"}, 2, "want the stack's name, got 2 arguments"},
		{[]string{"logs", "a", "--since", "soon"}, 2, "invalid value \"soon\" for flag -since"},
		{[]string{"logs", "a", "--kubeconfig", "/nonexistent/kubeconfig"}, 1, "loading the kubeconfig"},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("%q: exit %d, %q; want %d and %q", c.args, code, stdout+stderr, c.code, c.want)
		}
	}
}

func TestConfirm(t *testing.T) {
	for answer, want := range map[string]bool{"y\n": true, "YES\n": true, "n\n": false, "\n": false, "": false, "yes please\n": false} {
		var prompt strings.Builder
		if got := confirm(strings.NewReader(answer), &prompt, "apply?"); got != want || !strings.HasPrefix(prompt.String(), "apply? [y/N] ") {
			t.Errorf("answer %q: %v (prompt %q), want %v", answer, got, prompt.String(), want)
		}
	}
}
