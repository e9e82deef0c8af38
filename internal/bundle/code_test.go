package bundle

import (
	"testing"

	"sigs.k8s.io/yaml"
)

func TestS3CodeYAML(t *testing.T) {
	c := S3Code{Bucket: "spec3-artifacts", Key: "mcp-server/ab12.zip"}
	want := "code:\n  s3:\n    bucket: spec3-artifacts\n    key: mcp-server/ab12.zip\n"
	if got := c.YAML(); got != want {
		t.Fatalf("YAML() =\n%s\nwant\n%s", got, want)
	}
	c.ObjectVersion = "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"
	want += "    objectVersion: 3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY\n"
	if got := c.YAML(); got != want {
		t.Fatalf("YAML() =\n%s\nwant\n%s", got, want)
	}
}

// Whatever S3 returns as a version ID, the block reads back as that string.
func TestS3CodeYAMLRoundTrips(t *testing.T) {
	for _, v := range []string{"null", "true", "1e5", "0x1F", "12345", "a b", "x: y", "#hash", "-lead", "ok/v+1=", "'q'", "\"dq\""} {
		c := S3Code{Bucket: "b-1", Key: "k/" + v, ObjectVersion: v}
		var got struct {
			Code struct {
				S3 S3Code `json:"s3"`
			} `json:"code"`
		}
		if err := yaml.UnmarshalStrict([]byte(c.YAML()), &got); err != nil {
			t.Errorf("%q: block does not parse: %v\n%s", v, err, c.YAML())
			continue
		}
		if got.Code.S3 != c {
			t.Errorf("%q: read back %+v, want %+v\n%s", v, got.Code.S3, c, c.YAML())
		}
	}
}
