package bundle

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// DefaultIgnore lists what never belongs in a Lambda package: version
// control, byte code, tool caches, virtualenvs and the ignore file itself.
// The patterns use the same syntax as an ignore file and are applied first,
// so an ignore file can re-include something with "!pattern".
var DefaultIgnore = []string{
	".git/",
	".hg/",
	".svn/",
	"__pycache__/",
	"*.pyc",
	"*.pyo",
	".pytest_cache/",
	".mypy_cache/",
	".ruff_cache/",
	".tox/",
	".venv/",
	".DS_Store",
	".bundleignore",
}

// pattern is one line of a gitignore-like file.
type pattern struct {
	negate   bool     // "!pat": re-include what earlier patterns excluded
	dirOnly  bool     // "pat/": match directories only
	anchored bool     // contains a "/" other than a trailing one: match from the root
	segs     []string // pattern split at "/"; "**" matches any number of segments
}

// Matcher decides whether a path (relative to the source folder, slash
// separated) is ignored. The last matching pattern wins, as in gitignore.
type Matcher struct {
	patterns []pattern
}

// NewMatcher compiles patterns; origin names their source in errors.
func NewMatcher(origin string, lines []string) (*Matcher, error) {
	m := &Matcher{}
	if err := m.add(origin, lines); err != nil {
		return nil, err
	}
	return m, nil
}

// ReadIgnoreFile adds the patterns of an ignore file to m.
func (m *Matcher) ReadIgnoreFile(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("reading ignore file: %w", err)
	}
	defer f.Close()
	lines, err := readLines(f)
	if err != nil {
		return fmt.Errorf("reading ignore file %s: %w", file, err)
	}
	return m.add(file, lines)
}

func readLines(r io.Reader) ([]string, error) {
	var lines []string
	s := bufio.NewScanner(r)
	for s.Scan() {
		lines = append(lines, s.Text())
	}
	return lines, s.Err()
}

func (m *Matcher) add(origin string, lines []string) error {
	for i, line := range lines {
		p, ok, err := parsePattern(line)
		if err != nil {
			return fmt.Errorf("%s:%d: bad pattern %q: %w", origin, i+1, line, err)
		}
		if ok {
			m.patterns = append(m.patterns, p)
		}
	}
	return nil
}

// parsePattern parses one line; ok is false for blank lines and comments.
func parsePattern(line string) (p pattern, ok bool, err error) {
	line = strings.TrimRight(strings.TrimSuffix(line, "\r"), " \t")
	if line == "" || strings.HasPrefix(line, "#") {
		return p, false, nil
	}
	if strings.HasPrefix(line, "!") {
		p.negate = true
		line = line[1:]
	} else if strings.HasPrefix(line, `\!`) || strings.HasPrefix(line, `\#`) {
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") {
		p.dirOnly = true
		line = strings.TrimRight(line, "/")
	}
	if strings.Contains(line, "/") {
		p.anchored = true
		line = strings.TrimLeft(line, "/")
	}
	if line == "" {
		return p, false, fmt.Errorf("pattern matches nothing")
	}
	p.segs = strings.Split(line, "/")
	for _, s := range p.segs {
		if _, err := path.Match(s, ""); err != nil {
			return p, false, err
		}
	}
	return p, true, nil
}

// Ignored reports whether rel (slash separated, relative to the root) is
// ignored. Callers walk top-down and skip ignored directories, so a pattern
// without a slash only needs to be tested against the last path element.
func (m *Matcher) Ignored(rel string, isDir bool) bool {
	ignored := false
	for _, p := range m.patterns {
		if p.matches(rel, isDir) {
			ignored = !p.negate
		}
	}
	return ignored
}

func (p pattern) matches(rel string, isDir bool) bool {
	if p.dirOnly && !isDir {
		return false
	}
	if !p.anchored {
		return matchSegments(p.segs, []string{path.Base(rel)})
	}
	return matchSegments(p.segs, strings.Split(rel, "/"))
}

// matchSegments matches path elements against pattern elements, where "**"
// stands for zero or more elements.
func matchSegments(pat, name []string) bool {
	if len(pat) == 0 {
		return len(name) == 0
	}
	if pat[0] == "**" {
		if len(pat) == 1 { // a trailing "/**" matches what is inside, not the folder itself
			return len(name) > 0
		}
		for i := 0; i <= len(name); i++ {
			if matchSegments(pat[1:], name[i:]) {
				return true
			}
		}
		return false
	}
	if len(name) == 0 {
		return false
	}
	ok, _ := path.Match(pat[0], name[0]) // patterns were validated on parse
	return ok && matchSegments(pat[1:], name[1:])
}
