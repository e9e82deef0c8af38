//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// motoLog reads the log of the calls moto answered (MOTO_CALL_LOG, written by the extension's
// calllog module: run/moto.sh), one JSON object per call, in order: the evidence of the AWS calls
// a stack made.
type motoLog struct{ path string }

// awsCall is one logged call, as moto resolved it.
type awsCall struct {
	Service   string `json:"service"` // moto's service name: awslambda, apigatewayv2, logs, …
	Operation string `json:"operation"`
	Account   string `json:"account"`
	Region    string `json:"region"`
	Method    string `json:"method"`
	Status    int    `json:"status"`
	// Caller is "e2e-suite" for the suite's own calls (header X-Lambdastack-Caller), else empty
	Caller string `json:"caller"`
}

// suiteCaller marks the suite's own calls to the local AWS (the platform's accounts, read-backs).
const suiteCaller = "e2e-suite"

// byProvider keeps the calls the provider made (the suite marks its own).
func byProvider(calls []awsCall) []awsCall {
	var out []awsCall
	for _, c := range calls {
		if c.Caller != suiteCaller {
			out = append(out, c)
		}
	}
	return out
}

// calls returns the calls logged from line from on, and the next line.
func (l motoLog) calls(from int) ([]awsCall, int, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, from, err
	}
	defer f.Close() //nolint:errcheck // read-only
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	var out []awsCall
	n := 0
	for sc.Scan() {
		n++
		if n <= from {
			continue
		}
		var c awsCall
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, n, fmt.Errorf("%s line %d: %w", l.path, n, err)
		}
		out = append(out, c)
	}
	return out, n, sc.Err()
}

// iamAction is the IAM action that authorizes a call (API Gateway's are its HTTP methods,
// Budgets' reads and writes ViewBudget and ModifyBudget).
func (c awsCall) iamAction() string {
	prefix := map[string]string{"awslambda": "lambda", "apigatewayv2": "apigateway"}[c.Service]
	if prefix == "" {
		prefix = c.Service
	}
	switch c.Service {
	case "apigatewayv2":
		return prefix + ":" + c.Method
	case "budgets":
		switch {
		case strings.HasSuffix(c.Operation, "TagResource") || c.Operation == "ListTagsForResource":
		case strings.HasPrefix(c.Operation, "Describe"):
			return "budgets:ViewBudget"
		default:
			return "budgets:ModifyBudget"
		}
	}
	return prefix + ":" + c.Operation
}

// summary counts calls by service, the busiest first: "awslambda 41, iam 22, …".
func summary(calls []awsCall) string {
	n := map[string]int{}
	for _, c := range calls {
		n[c.Service]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return n[keys[i]] > n[keys[j]] || (n[keys[i]] == n[keys[j]] && keys[i] < keys[j]) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, n[k])
	}
	return strings.Join(parts, ", ")
}
