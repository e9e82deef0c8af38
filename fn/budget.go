package fn

import (
	"fmt"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Cost: a per-stack AWS Budget (global service, no region) on the monthly cost of what carries
// the stack's lambdastack:composite tag, notifying at 80% of the limit forecast and at 100%
// actual. The tag must be activated as a cost allocation tag in the payer account's Billing
// console (docs/cost.md); until then the budget sees nothing.

// keyBudget is the key of the stack's budget.
const keyBudget = "budget"

// AWS Budgets limits.
const (
	maxBudgetName         = 100
	maxBudgetSubscribers  = 10 // email subscribers per notification
	budgetForecastPercent = 80
	budgetActualPercent   = 100
)

// budgetConfig is the resolved budget.
type budgetConfig struct {
	Enabled  bool
	LimitUSD int64
	// Emails and TopicARN are the notifications' subscribers.
	Emails   []string
	TopicARN string
}

// resolveBudget merges the request's budget with the stage's: a stack has a budget when a
// monthly limit is set (request, then stage) and the request does not turn it off; asking for
// one (spec.budget without enabled: false) without a limit anywhere is an error. The stage's
// budget is a ceiling (rule 11 of docs/tenancy.md): a request may lower its limit, but neither
// raise it nor switch the budget off.
func resolveBudget(spec *v1alpha1.BudgetSpec, stageCfg *v1alpha1.BudgetSettings, m monitoringConfig) (budgetConfig, error) {
	stageCfg = orZero(stageCfg)
	var req v1alpha1.BudgetSettings
	asked := false
	if spec != nil {
		req = spec.BudgetSettings
		asked = spec.Enabled == nil || *spec.Enabled
		switch stage := stageCfg.MonthlyLimitUSD; {
		case stage != nil && spec.Enabled != nil && !*spec.Enabled:
			return budgetConfig{}, fmt.Errorf("spec.budget.enabled: false switches off the stage's budget of %d USD a month (EnvironmentConfig data.budget.monthlyLimitUSD), which a request cannot; it may set a lower spec.budget.monthlyLimitUSD", *stage)
		case stage != nil && req.MonthlyLimitUSD != nil && *req.MonthlyLimitUSD > *stage:
			return budgetConfig{}, fmt.Errorf("spec.budget.monthlyLimitUSD: %d is above the stage's budget of %d USD a month (EnvironmentConfig data.budget.monthlyLimitUSD), a ceiling: a request may lower it, not raise it", *req.MonthlyLimitUSD, *stage)
		case spec.Enabled != nil && !*spec.Enabled:
			return budgetConfig{}, nil
		}
	}
	limit := firstInt(req.MonthlyLimitUSD, stageCfg.MonthlyLimitUSD, i64(0))
	if limit == 0 { // out of range limits are refused with the other bounds (validate.go)
		if asked {
			return budgetConfig{}, fmt.Errorf("spec.budget.monthlyLimitUSD: a budget needs a monthly limit in USD: set it here or in the stage's EnvironmentConfig (data.budget.monthlyLimitUSD), or set spec.budget.enabled: false")
		}
		return budgetConfig{}, nil
	}
	c := budgetConfig{Enabled: true, LimitUSD: limit}
	switch {
	case len(req.Emails) > 0:
		c.Emails = req.Emails
	case len(stageCfg.Emails) > 0:
		c.Emails = stageCfg.Emails
	case m.TopicARN != "":
		c.TopicARN = m.TopicARN
	default:
		c.Emails = m.Emails
	}
	if c.TopicARN == "" && len(c.Emails) == 0 {
		return budgetConfig{}, fmt.Errorf("spec.budget.emails: the budget of %d USD a month has nobody to notify: list emails here or in the stage's EnvironmentConfig (data.budget.emails), or give the stage an existing alarm topic (monitoring.alarmTopicArn)", limit)
	}
	if len(c.Emails) > maxBudgetSubscribers {
		return budgetConfig{}, fmt.Errorf("spec.budget.emails: %d addresses, AWS Budgets notifies at most %d per notification", len(c.Emails), maxBudgetSubscribers)
	}
	for _, e := range c.Emails {
		if strings.Count(e, "@") != 1 || strings.ContainsAny(e, " \t") {
			return budgetConfig{}, fmt.Errorf("spec.budget.emails: %q is not an email address", e)
		}
	}
	return c, nil
}

// budget composes the stack's budget when it has one.
func (b *builder) budget() {
	c := b.s.Budget
	if !c.Enabled {
		return
	}
	notification := func(kind string, percent int) map[string]any {
		n := map[string]any{
			"comparisonOperator": "GREATER_THAN",
			"notificationType":   kind,
			"threshold":          percent,
			"thresholdType":      "PERCENTAGE",
		}
		if c.TopicARN != "" {
			n["subscriberSnsTopicArns"] = []any{c.TopicARN}
		} else {
			n["subscriberEmailAddresses"] = sortedStrList(c.Emails)
		}
		return n
	}
	b.add(b.managed(keyBudget, "budgets", "Budget",
		mrOpts{externalName: b.name(maxBudgetName, "budget"), taggable: true},
		map[string]any{
			"budgetType":  "COST",
			"timeUnit":    "MONTHLY",
			"limitAmount": fmt.Sprintf("%d.0", c.LimitUSD),
			"limitUnit":   "USD",
			"costFilter": []any{map[string]any{
				"name":   "TagKeyValue",
				"values": []any{budgetTagFilter(b.s)},
			}},
			"notification": []any{
				notification("FORECASTED", budgetForecastPercent),
				notification("ACTUAL", budgetActualPercent),
			},
		}))
}

// budgetTagFilter selects the stack's cost by its cost allocation tag (user:<key>$<value>).
func budgetTagFilter(s *settings) string {
	return "user:" + tagComposite + "$" + compositeID(s)
}
