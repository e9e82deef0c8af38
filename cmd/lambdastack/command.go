package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// command runs one subcommand. parse reads its arguments: flag.ErrHelp (after -h) exits 0, any
// other error is bad usage and exits 2. act then does the work and returns the exit status; an
// error it returns is printed as "lambdastack NAME: error".
func command(name string, stderr io.Writer, parse func() error, act func() (int, error)) int {
	err := parse()
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "lambdastack %s: %v\n", name, err)
		return 2
	}
	code, err := act()
	if err != nil {
		fmt.Fprintf(stderr, "lambdastack %s: %v\n", name, err)
	}
	return code
}

// newFlags is a subcommand's flag set: -h prints its usage text and flags on stderr.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	return fs
}

// failed is the exit status 1 with err.
func failed(err error) (int, error) {
	if err != nil {
		return 1, err
	}
	return 0, nil
}
