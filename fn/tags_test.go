package fn

import (
	"testing"
)

// Rules 10 and 13 of docs/tenancy.md: the stage's tags win, the standard tags (the owner's among
// them) cannot be set by a request in any letter case, and every taggable resource carries the
// owner namespace. The attacks of issue 22: a request overriding the stage's owner and
// cost-center tags (cost lands on the wrong team) and adding LambdaStack:Composite (a second
// ownership tag).
func TestPlatformTagsWin(t *testing.T) {
	stageTags := devEnvs(map[string]any{"tags": map[string]any{"owner": "platform-team", "cost-center": "1000"}})
	withTags := func(tags map[string]any) map[string]any { return xrObject(map[string]any{"tags": tags}) }
	wantRefusals(t, map[string]refusal{
		"refused: the stage's owner tag":            {xr: withTags(map[string]any{"owner": "team-b"}), envs: stageTags, want: []string{`spec.tags: "owner": stage dev sets the tag owner="platform-team"`}},
		"refused: the stage's cost-center tag":      {xr: withTags(map[string]any{"cost-center": "4711"}), envs: stageTags, want: []string{`spec.tags: "cost-center": stage dev sets the tag cost-center="1000"`}},
		"refused: the stage's tag in another case":  {xr: withTags(map[string]any{"Owner": "team-b"}), envs: stageTags, want: []string{`spec.tags: "Owner": stage dev sets the tag owner=`}},
		"refused: LambdaStack:Composite":            {xr: withTags(map[string]any{"LambdaStack:Composite": "LambdaStack/team-a/mcp"}), want: []string{`spec.tags: tag key "LambdaStack:Composite" is reserved in every letter case`}},
		"refused: the owner tag in upper case":      {xr: withTags(map[string]any{"LAMBDASTACK:OWNER": "team-a"}), want: []string{`tag key "LAMBDASTACK:OWNER" is reserved`}},
		"refused: the owner tag":                    {xr: withTags(map[string]any{"lambdastack:owner": "team-a"}), want: []string{`tag key "lambdastack:owner" is reserved`}},
		"refused: any lambdastack: key":             {xr: withTags(map[string]any{"lambdaStack:team": "a"}), want: []string{`tag key "lambdaStack:team" is reserved`}},
		"refused: Managed-By":                       {xr: withTags(map[string]any{"Managed-By": "me"}), want: []string{`tag key "Managed-By" is reserved`}},
		"refused: an owner tag in the stage's tags": {xr: xrObject(nil), envs: devEnvs(map[string]any{"tags": map[string]any{"LambdaStack:Owner": "x"}}), want: []string{`EnvironmentConfig data.tags: tag key "LambdaStack:Owner" is reserved`}},
	})

	t.Run("granted: the request's own tags beside the stage's, and the owner on every taggable resource", func(t *testing.T) {
		got := wantComposed(t, newRequest(t, withTags(map[string]any{"team": "mcp", "owner": "platform-team"}), stageTags, nil))
		tagged := 0
		for k, r := range got {
			tags, ok := lookup(r, "spec", "forProvider", "tags").(map[string]any)
			if !ok {
				continue
			}
			tagged++
			want := map[string]any{"owner": "platform-team", "cost-center": "1000", "team": "mcp", tagOwner: "team", tagStage: "dev", tagApp: "mcp"}
			for tk, tv := range want {
				if tags[tk] != tv {
					t.Errorf("%s: tag %s = %v, want %v", k, tk, tags[tk], tv)
				}
			}
		}
		if tagged < 3 {
			t.Errorf("only %d tagged resources", tagged)
		}
	})
	t.Run("granted: an XLambdaStack without a claim has an empty owner tag", func(t *testing.T) {
		s := settingsFor(t, unclaimedXR(nil), nil)
		if got, ok := tags(s)[tagOwner]; !ok || got != "" {
			t.Errorf("owner tag of a stack without an owner = %v (set %v), want empty", got, ok)
		}
		if got := tags(settingsFor(t, legacyXR(nil), nil))[tagOwner]; got != "team" {
			t.Errorf("a claim's owner tag = %v, want its namespace team", got)
		}
	})
}
