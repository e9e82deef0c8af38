//go:build tools

// Package tools pins golangci-lint (make lint, CI's lint job).
package tools

import _ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
