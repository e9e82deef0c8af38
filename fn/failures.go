package fn

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Failures on the stack: a composed resource the provider cannot create or update reports it on
// its own conditions (upjet: Synced=False ReconcileError "observe failed: …", "create failed: …",
// LastAsyncOperation=False ApplyFailure "async create failed: …"), which an app team may never
// look at. The stack repeats them: status.failures, status.summary (the Status column of
// kubectl get) and the ResourcesReady condition of the XR and its claim.

// ReasonFailing is the ResourcesReady reason while a composed resource reports an error.
const ReasonFailing = "ResourceFailing"

// maxFailureMessage bounds one shortened provider message (runes).
const maxFailureMessage = 240

// maxFailuresInCondition is how many failing resources the condition message names; status.failures
// lists them all.
const maxFailuresInCondition = 3

// failureConditions are the conditions that carry a provider error, in the order they are read:
// the managed reconciler's Synced, upjet's LastAsyncOperation (an asynchronous create or update
// that AWS refused), and Ready when it is False for a reason other than creating or deleting.
var failureConditions = []string{"Synced", "LastAsyncOperation", "Ready"}

// transientMessages are Synced=False messages of a stack that is still being created, not errors:
// a reference to a resource the provider has not created yet resolves on a later reconcile.
var transientMessages = []string{"cannot resolve references", "referenced resource may not yet be ready"}

// resourceFailure reports what the provider says is wrong with a composed resource, if anything.
func resourceFailure(o observedState, c composed) (v1alpha1.ResourceFailure, bool) {
	kind := kindOf(c)
	if providerless(c) {
		return v1alpha1.ResourceFailure{}, false
	}
	for _, typ := range failureConditions {
		cond, ok := o.conditionOf(c.Key, typ)
		if !ok || cond.status != "False" || strings.TrimSpace(cond.message) == "" {
			continue
		}
		if typ == "Ready" && (cond.reason == "Creating" || cond.reason == "Deleting") {
			continue
		}
		if isTransient(cond.message) {
			continue
		}
		meta, _ := c.Object["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		return v1alpha1.ResourceFailure{
			Resource: c.Key, Kind: kind, Name: name, Condition: typ, Reason: cond.reason,
			Message: shortMessage(cond.message),
		}, true
	}
	return v1alpha1.ResourceFailure{}, false
}

func isTransient(msg string) bool {
	for _, t := range transientMessages {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}

// requestIDs are the parts of an AWS SDK error that differ on every call; left in, the stack's
// condition would change on every reconcile.
var requestIDs = regexp.MustCompile(`(?i)\b(request ?id|x-amz-request-id|x-amzn-requestid)[:=] ?[A-Za-z0-9-]+,? ?`)

// shortMessage shortens a provider message deterministically: request IDs removed, the AWS
// error (what follows the SDK's "api error ") kept behind the operation that failed ("create
// failed: …"), whitespace collapsed, at most maxFailureMessage runes.
func shortMessage(msg string) string {
	msg = requestIDs.ReplaceAllString(msg, "")
	if i := strings.Index(msg, "api error "); i >= 0 {
		op := ""
		if j := strings.Index(msg, " failed: "); j >= 0 && j < i {
			op = strings.TrimPrefix(msg[:j+len(" failed")], "async ") + ": "
			if k := strings.LastIndex(op[:len(op)-2], ": "); k >= 0 {
				op = op[k+2:]
			}
		}
		msg = op + strings.TrimRight(msg[i+len("api error "):], " []{}")
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if utf8.RuneCountInString(msg) > maxFailureMessage {
		msg = string([]rune(msg)[:maxFailureMessage-1]) + "…"
	}
	return msg
}

// failures lists the failing composed resources, in key order (b.out is sorted).
func (b *builder) failures() []v1alpha1.ResourceFailure {
	var out []v1alpha1.ResourceFailure
	for _, c := range b.out {
		if f, ok := resourceFailure(b.o, c); ok {
			out = append(out, f)
		}
	}
	return out
}

// summary is the stack's state in a few words (status.summary, the Status column).
func summary(resources []composed, pending []string, failures []v1alpha1.ResourceFailure) string {
	if len(failures) > 0 {
		s := fmt.Sprintf("Failing: %s (%s)", failures[0].Resource, failures[0].Kind)
		if len(failures) > 1 {
			s += fmt.Sprintf(" and %d more", len(failures)-1)
		}
		return s
	}
	ready := 0
	for _, c := range resources {
		if c.Ready {
			ready++
		}
	}
	if ready == len(resources) && len(pending) == 0 {
		return "Available"
	}
	return fmt.Sprintf("Creating (%d/%d ready)", ready, len(resources)+len(pending))
}

// failureMessage is the ResourcesReady message while resources fail: each names the part of the
// stack, its kind, object name and the provider's message.
func failureMessage(failures []v1alpha1.ResourceFailure) string {
	parts := make([]string, 0, maxFailuresInCondition+1)
	for i, f := range failures {
		if i == maxFailuresInCondition {
			parts = append(parts, fmt.Sprintf("and %d more (status.failures)", len(failures)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s %s) %s=False %s: %s", f.Resource, f.Kind, f.Name, f.Condition, f.Reason, f.Message))
	}
	return "the provider reports errors: " + strings.Join(parts, "; ")
}
